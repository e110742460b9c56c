'use client';

import dynamic from 'next/dynamic';

/** Corbado Connect's passkey list in its own chunk, fetched only in Connect mode (browser-only). */
export const LazyConnectPasskeys = dynamic(
  () => {
    // Before web-core loads: no FingerprintJS pings to its CDN (see app/login/lazy-connect-sign-in.tsx).
    window.__fpjs_d_m = true;
    return import('./connect-passkeys').then((module) => module.ConnectPasskeys);
  },
  { ssr: false, loading: () => <p className="status">Loading your passkeys…</p> },
);
