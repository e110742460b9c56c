'use client';

import dynamic from 'next/dynamic';

/**
 * Corbado's component in its own chunk, fetched only when the page renders it (Corbado mode),
 * so the embedded sign-in page stays small. It needs the browser, so it renders client-side.
 */
export const LazyCorbadoSignIn = dynamic(() => import('./corbado-sign-in').then((module) => module.CorbadoSignIn), {
  ssr: false,
  loading: () => <p className="status">Loading sign-in…</p>,
});
