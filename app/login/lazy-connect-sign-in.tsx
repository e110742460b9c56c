'use client';

import dynamic from 'next/dynamic';

declare global {
  interface Window {
    /** Read by the FingerprintJS bundled in @corbado/web-core: true stops its pings to its CDN. */
    __fpjs_d_m?: boolean;
  }
}

/**
 * Corbado Connect's components in their own chunk, fetched only in Connect mode (browser-only).
 * FingerprintJS's CDN pings are switched off before the chunk loads: they would leak every
 * visitor to a third party the CSP does not allow anyway.
 */
export const LazyConnectSignIn = dynamic(
  () => {
    window.__fpjs_d_m = true;
    return import('./connect-sign-in').then((module) => module.ConnectSignIn);
  },
  { ssr: false, loading: () => <p className="status">Loading sign-in…</p> },
);
