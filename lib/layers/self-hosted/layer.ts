import { STORE_VARIABLES, type PasskeyLayer } from '../layer';

/**
 * Self-hosted WebAuthn (@simplewebauthn): ceremonies, credentials and their names in this
 * folder, state in the app's store. A passkey signs in only the account it was added to; email
 * codes are its sign-up and fallback. Screens: app/_layers/self-hosted.tsx.
 */
export function selfHostedLayer(): PasskeyLayer {
  return {
    name: 'self-hosted',
    reportedAs: 'embedded',
    routes: ['passkey-sign-in', 'passkey-account', 'email-code'],
    proof: { route: 'passkey-sign-in', method: 'passkey', gives: 'verified identity' },
    usesStore: true,
    // It runs inside this process; its store is probed on its own (lib/readiness.ts).
    probe: async () => ({ reachable: true, latencyMs: 0 }),
    csp: null,
    config: { required: [], optional: STORE_VARIABLES },
  };
}
