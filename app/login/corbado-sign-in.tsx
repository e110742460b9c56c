'use client';

import { CorbadoAuth, CorbadoProvider } from '@corbado/react';

/** Corbado mode: Corbado's own sign-up / sign-in component (passkey first, its own fallbacks). */
export function CorbadoSignIn({ projectId, next }: { projectId: string; next: string }) {
  return (
    <CorbadoProvider projectId={projectId} darkMode="off" telemetry={false}>
      <CorbadoAuth onLoggedIn={() => window.location.assign(next)} />
    </CorbadoProvider>
  );
}
