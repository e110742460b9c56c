import type { CorbadoConfig } from '../../config';
import { probeUrl } from '../../http/probe';
import type { PasskeyLayer } from '../layer';

/**
 * Corbado Complete (legacy, closed to new projects since April 2026): Corbado's own user store
 * and session tokens. The app verifies the session token against the project's JWKS and signs
 * in (or provisions) the Cognito user; it keeps no state of its own. Its webhook
 * (webhook*.ts) is served whenever its credentials are configured. Screens:
 * app/_layers/corbado-complete.tsx.
 */
export function corbadoCompleteLayer(corbado: CorbadoConfig): PasskeyLayer {
  return {
    name: 'corbado-complete',
    reportedAs: 'corbado',
    routes: ['corbado-session'],
    proof: { route: 'corbado-session', method: 'corbado', gives: 'verified identity' },
    usesStore: false,
    probe: () => probeUrl(`${corbado.frontendApi}/.well-known/jwks`),
    // Its components talk to its Frontend API, inject their styles inline and load Google Fonts.
    csp: {
      connect: [...new Set([`https://${corbado.projectId}.frontendapi.corbado.io`, corbado.frontendApi])],
      styles: ["'unsafe-inline'", 'https://fonts.googleapis.com'],
      fonts: ['https://fonts.gstatic.com'],
    },
    config: {
      required: ['CORBADO_PROJECT_ID', 'CORBADO_API_SECRET', 'CORBADO_MODE'],
      optional: ['CORBADO_FRONTEND_API', 'CORBADO_BACKEND_API', 'CORBADO_WEBHOOK_USERNAME', 'CORBADO_WEBHOOK_PASSWORD'],
    },
  };
}
