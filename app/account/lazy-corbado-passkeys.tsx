'use client';

import dynamic from 'next/dynamic';

/** Corbado's passkey list in its own chunk, fetched only in Corbado mode (browser-only). */
export const LazyCorbadoPasskeys = dynamic(
  () => import('./corbado-passkeys').then((module) => module.CorbadoPasskeys),
  {
    ssr: false,
    loading: () => <p className="status">Loading your passkeys…</p>,
  },
);
