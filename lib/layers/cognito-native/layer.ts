import type { AppConfig } from '../../config';
import { STORE_VARIABLES, type PasskeyLayer } from '../layer';

/**
 * Cognito's own passkeys (USER_AUTH with WEB_AUTHN, and EMAIL_OTP for sign-up and fallback):
 * Cognito keeps the credentials and checks every proof itself, so the layer needs no Lambda
 * trigger and no Corbado; the store, when one is configured, keeps only the details Cognito
 * does not (AAGUID, our name, last use). USER_AUTH needs the email first: no usernameless
 * sign-in and no passkey autofill. Screens: app/_layers/cognito-native.tsx.
 */
export function cognitoNativeLayer(config: Pick<AppConfig, 'passkeyStore'>): PasskeyLayer {
  return {
    name: 'cognito-native',
    reportedAs: 'cognito',
    routes: ['native-sign-in', 'native-passkey-account'],
    proof: { route: 'native-sign-in', method: 'passkey', gives: 'cognito tokens' },
    usesStore: config.passkeyStore !== null,
    // Its service is Cognito itself, which readiness probes for every layer (lib/readiness.ts).
    probe: async () => ({ reachable: true, latencyMs: 0 }),
    csp: null,
    config: { required: ['PASSKEY_LAYER'], optional: STORE_VARIABLES },
  };
}
