import type { BrowserContext } from 'playwright-core';

/**
 * The browser tests' Chromium: scripts/support/browser.ts (shared with `npm run first-run`), and
 * the browser profiles only the tests need.
 */
export {
  addAuthenticator,
  CHROMIUM,
  latestCode,
  launchBrowser,
  type Authenticator,
} from '../../scripts/support/browser';

/** A browser profile without passkey autofill (conditional UI), so the button path is the one taken. */
export async function withoutAutofill(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    if (window.PublicKeyCredential) {
      Object.defineProperty(window.PublicKeyCredential, 'isConditionalMediationAvailable', {
        value: async () => false,
      });
    }
  });
}

/** A browser profile with no WebAuthn at all: a device without passkeys. */
export async function withoutPasskeys(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    Reflect.deleteProperty(window, 'PublicKeyCredential');
  });
}
