import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), with a CDP virtual
 * authenticator (CTAP2, platform, resident keys, user verification) for real passkey ceremonies,
 * and the code from the local outbox: what `npm run first-run` and the browser tests both need
 * (tests/support/browser.ts adds the tests' own profiles).
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `extraArgs`: e.g. the Corbado cloud stand-in's host mapping and certificate pin. */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

export interface Authenticator {
  cdp: CDPSession;
  id: string;
  setUserVerified(verified: boolean): Promise<void>;
  credentialCount(): Promise<number>;
}

/**
 * `touched: false`: the user never touches the authenticator, so every passkey request it gets
 * stays pending (until its timeout), like a prompt nobody has answered yet.
 */
export async function addAuthenticator(page: Page, { touched = true } = {}): Promise<Authenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: touched,
    },
  });
  return {
    cdp,
    id: authenticatorId,
    setUserVerified: async (isUserVerified) => {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified });
    },
    credentialCount: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length,
  };
}

/** The newest one-time code the app's local outbox holds for `email`. */
export function latestCode(dataDir: string, email: string): string {
  const lines = readFileSync(path.join(dataDir, 'outbox.jsonl'), 'utf8').trim().split('\n');
  for (const line of lines.reverse()) {
    const message = JSON.parse(line) as { to: string; subject: string };
    const code = /(\d{6})/.exec(message.subject)?.[1];
    if (message.to === email && code) return code;
  }
  throw new Error(`no code for ${email} in the outbox`);
}
