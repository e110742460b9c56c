import type { CorbadoConfig } from '../../config';
import { probeUrl } from '../../http/probe';
import { STORE_VARIABLES, type LayerRoute, type PasskeyLayer } from '../layer';

/**
 * Corbado Connect: passkeys on top of this Cognito pool. Its login component returns
 * signedPasskeyData, verified at Corbado's Backend API; the app then signs in that existing
 * Cognito user. Connect creates no users: sign-up (and the fallback) is the app's email code,
 * kept in the app's store. Screens: app/_layers/corbado-connect.tsx.
 */
export function corbadoConnectLayer(corbado: CorbadoConfig): PasskeyLayer {
  const routes: LayerRoute[] = ['email-code', 'connect-sign-in', 'connect-tokens'];
  if (corbado.actionsSecret) routes.push('connect-actions');
  return {
    name: 'corbado-connect',
    reportedAs: 'corbado',
    routes,
    proof: { route: 'connect-sign-in', method: 'corbado', gives: 'existing user' },
    usesStore: true,
    // The Backend API answers 401 without credentials, which proves it is up.
    probe: () => probeUrl(`${corbado.backendApi}/v2/connectTokens`, (status) => status < 500),
    // Its components talk to https://{projectId}.{frontendApiUrlSuffix} only and inject their
    // styles inline. Its CSS @imported two Google Fonts stylesheets, which the app's build removes
    // (scripts/build/corbado-connect-patch.cjs) and which stay refused here anyway: they would hand
    // every visitor's address to Google for a typeface (docs/CORBADO.md).
    csp: {
      connect: [...new Set([`https://${corbado.projectId}.${corbado.frontendApiUrlSuffix}`, corbado.frontendApi])],
      styles: ["'unsafe-inline'"],
      fonts: [],
    },
    config: {
      required: ['CORBADO_PROJECT_ID', 'CORBADO_API_SECRET'],
      optional: [
        'CORBADO_MODE',
        'CORBADO_FRONTEND_API',
        'CORBADO_BACKEND_API',
        'CORBADO_FRONTEND_API_URL_SUFFIX',
        'CORBADO_ACTIONS_SECRET',
        ...STORE_VARIABLES,
      ],
    },
  };
}
