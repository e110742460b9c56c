import { mkdirSync } from 'node:fs';
import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { addAuthenticator, latestCode, launchBrowser, withoutAutofill, type Authenticator } from '../support/browser';
import { ConnectClient } from '../support/corbado-cloud/client';
import { startConnectTestStack, type ConnectTestStack } from '../support/connect-stack';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { newSigningKey, SoftAuthenticator } from '../support/soft-authenticator';
import { clickButton, field, typeInField, typeInto } from '../support/person';
import { addPasswordUser } from '../support/users';

/**
 * Corbado Connect mode end to end: the REAL @corbado/connect-react 0.2.4-alpha.0 in Debian's
 * Chromium, against the production build and the local stand-in of Corbado's cloud
 * (tests/support/corbado-cloud: its Frontend API over HTTPS with a self-signed certificate that
 * Chromium reaches through cloud.chromiumArgs, its Backend API, its Actions calling the app).
 * Real passkey ceremonies on a CDP virtual authenticator; the page on http://localhost (the RP
 * ID); a fresh browser context per test, since the component keeps its process in localStorage.
 */

let stack: ConnectTestStack;
let browser: Browser;
const ARTIFACTS = 'test-results/screenshots';
const password = 'Connect-passw0rd';
const url = (path: string) => `${stack.app.baseUrl}${path}`;

beforeAll(async () => {
  stack = await startConnectTestStack();
  browser = await launchBrowser(stack.cloud.chromiumArgs);
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

interface TestPage {
  page: Page;
  /**
   * Console errors (a CSP violation is one), other than login/start's 404 where a test types an
   * email Corbado has no user for (Chromium logs every 4xx answer).
   */
  consoleErrors: string[];
}

async function newPage(prepare: (context: BrowserContext) => Promise<void> = withoutAutofill): Promise<TestPage> {
  const context = await browser.newContext();
  await prepare(context);
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    const expected = message.location().url.endsWith('/v2/connect/login/start');
    if (message.type() === 'error' && !expected) {
      consoleErrors.push(`${message.text()} (${message.location().url})`);
    }
  });
  page.on('dialog', (dialog) => void dialog.accept());
  return { page, consoleErrors };
}

async function cognitoUser(email: string) {
  const user = await stack.app.sdk.send(
    new AdminGetUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: email }),
  );
  return {
    username: user.Username!,
    attributes: Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name, a.Value])),
  };
}

/** Corbado's login component has loaded (its email field), or its one-tap screen. */
async function componentLoaded(page: Page) {
  await page.locator('.cb-connect').first().waitFor({ timeout: 20_000 });
}

async function openFallback(page: Page) {
  await page.goto(url('/login'));
  await componentLoaded(page);
  await clickButton(page, 'New here, or no passkey? Use an email code or your password');
  await page.getByTestId('connect-fallback').waitFor();
}

async function signInWithPassword(page: Page, email: string) {
  await openFallback(page);
  await page.getByText('Sign in with your password instead').click();
  const form = page.locator('details form');
  await typeInField(form, 'Email', email);
  await typeInField(form, 'Password', password);
  await clickButton(form, 'Sign in');
}

/** Corbado's login component, by the email field (first login in this browser) or one-tap. */
async function signInWithPasskey(page: Page, email: string, options: { reload?: boolean } = {}) {
  if (options.reload !== false) await page.goto(url('/login'));
  await passkeyLogin(page, email);
}

async function passkeyLogin(page: Page, email: string) {
  const emailField = page.getByLabel('Email address');
  const oneTap = page.locator('.cb-connect').getByRole('button').filter({ hasText: email });
  await emailField.or(oneTap).first().waitFor({ timeout: 20_000 });
  if (await emailField.isVisible()) {
    await typeInto(emailField, email);
    await clickButton(page.locator('.cb-connect'), 'Sign in');
  } else {
    await oneTap.first().click();
  }
}

async function expectSignedInAs(page: Page, email: string, method: string) {
  await page.waitForURL(url('/account'), { timeout: 20_000 }).catch(async (error: unknown) => {
    await page.screenshot({ path: `${ARTIFACTS}/connect-failure-${Date.now()}.png`, fullPage: true });
    throw error;
  });
  await expect.poll(() => page.getByTestId('account-email').textContent()).toBe(email);
  expect(await page.getByTestId('account-method').textContent()).toBe(method);
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(url('/login'));
}

async function acceptPasskeyOffer(page: Page) {
  await page.getByTestId('connect-append').waitFor();
  await clickButton(page, 'Activate passkey');
  // Corbado's success screen: its Continue calls onComplete, which goes on to `next`.
  await clickButton(page, 'Continue');
}

describe('an existing password user', () => {
  it(
    'password → append offer → passkey → sign out → passkey login → /account list → delete',
    { timeout: 120_000 },
    async () => {
      const email = 'olivia@example.com';
      await addPasswordUser(stack.app, email, password);
      const { page, consoleErrors } = await newPage();
      const authenticator = await addAuthenticator(page);

      await signInWithPassword(page, email);
      await page.getByTestId('connect-append').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}/connect-append.png`, fullPage: true });
      await acceptPasskeyOffer(page);
      await expectSignedInAs(page, email, 'Password');
      expect(await authenticator.credentialCount()).toBe(1);
      const { username, attributes } = await cognitoUser(email);
      expect(stack.cloud.passkeysOf(username)).toHaveLength(1);
      expect(attributes['custom:hasPasskey']).toBe('true');
      // The account page's list asks for its token as it loads: signing out before that answer
      // would leave the request without a session (a 401 in the console).
      await page.locator('.cb-passkey-list-item').first().waitFor({ timeout: 20_000 });

      await signOut(page);
      await signInWithPasskey(page, email);
      await expectSignedInAs(page, email, 'Passkey (Corbado)');

      await page.locator('.cb-passkey-list-item').first().waitFor({ timeout: 20_000 });
      expect(await page.locator('.cb-passkey-list-item').count()).toBe(1);
      await page.screenshot({ path: `${ARTIFACTS}/connect-account.png`, fullPage: true });
      // The delete cross has no accessible name (Corbado's markup): a person clicks the cross.
      await page.locator('.cb-passkey-list-item-delete-icon').first().click();
      await clickButton(page, 'Delete');
      await expect.poll(() => stack.cloud.passkeysOf(username).length).toBe(0);
      await expect.poll(() => page.locator('.cb-passkey-list-item').count()).toBe(0);
      expect(consoleErrors).toEqual([]);
      await page.context().close();
    },
  );
});

/**
 * A password user with a passkey at Corbado, appended from Node the way the append component
 * does it (the app's token route, then the Frontend API). With `authenticator`, the same key is
 * put into the browser's virtual authenticator, so the browser can sign in with it.
 */
async function passwordUserWithPasskey(email: string, authenticator?: Authenticator): Promise<string> {
  await addPasswordUser(stack.app, email, password);
  const jar = new CookieJar();
  expect((await jar.fetch(url('/api/auth/password'), jsonPost({ email, password }))).status).toBe(200);
  const token = (
    (await (await jar.fetch(url('/api/corbado/connect/tokens'), jsonPost({ type: 'passkey-append' }))).json()) as {
      token: string;
    }
  ).token;
  const privateKey = newSigningKey();
  const key = new SoftAuthenticator(stack.app.baseUrl, { privateKey });
  const client = new ConnectClient(stack.cloud, stack.app.baseUrl);
  await client.appendInit();
  const start = await client.appendStart(token);
  const { publicKey } = JSON.parse(start.body.attestationOptions) as {
    publicKey: PublicKeyCredentialCreationOptionsJSON;
  };
  expect((await client.appendFinish(key.register(publicKey))).status).toBe(200);
  if (authenticator) {
    await authenticator.cdp.send('WebAuthn.addCredential', {
      authenticatorId: authenticator.id,
      credential: {
        credentialId: Buffer.from(key.id, 'base64url').toString('base64'),
        isResidentCredential: true,
        rpId: 'localhost',
        privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
        userHandle: Buffer.from(publicKey.user.id, 'base64url').toString('base64'),
        signCount: 0,
      },
    });
  }
  return (await cognitoUser(email)).username;
}

describe('an email typed into Corbado’s field with no passkey behind it', () => {
  it(
    'lands a password user and a newcomer on the same code-or-password step, the email filled in',
    { timeout: 120_000 },
    async () => {
      const member = 'pat@example.com';
      const newcomer = 'newbie@example.com';
      await addPasswordUser(stack.app, member, password);
      const seen: string[] = [];
      const pages: Page[] = [];
      for (const email of [member, newcomer]) {
        const { page, consoleErrors } = await newPage();
        pages.push(page);
        await page.goto(url('/login'));
        await passkeyLogin(page, email);
        await page.getByTestId('connect-fallback').waitFor({ timeout: 20_000 });
        const codeForm = page.getByRole('form', { name: 'Sign in or create an account with an email code' });
        expect(await field(codeForm, 'Email').inputValue()).toBe(email);
        const text = await page.locator('main').innerText();
        expect(text).not.toMatch(/no account|not registered|Signup/i);
        seen.push(text.replace(email, '<email>'));
        await page.screenshot({ path: `${ARTIFACTS}/connect-fallback-${email.split('@')[0]}.png`, fullPage: true });
        expect(consoleErrors).toEqual([]);
      }
      // Nothing on the screen tells whether the email has an account.
      expect(seen[0]).toBe(seen[1]);

      // The password user: the password form carries the email; the passkey offer follows.
      const [memberPage, newcomerPage] = pages as [Page, Page];
      await memberPage.getByText('Sign in with your password instead').click();
      const form = memberPage.locator('details form');
      expect(await field(form, 'Email').inputValue()).toBe(member);
      await typeInField(form, 'Password', password);
      await clickButton(form, 'Sign in');
      await memberPage.getByTestId('connect-append').waitFor();

      // The newcomer: the code creates the account; the passkey offer follows.
      const codeForm = newcomerPage.getByRole('form', { name: 'Sign in or create an account with an email code' });
      await clickButton(codeForm, 'Continue');
      await field(newcomerPage, '6-digit code').waitFor();
      await typeInField(newcomerPage, '6-digit code', latestCode(stack.app.dataDir, newcomer));
      await clickButton(newcomerPage, 'Continue');
      await newcomerPage.getByTestId('connect-append').waitFor();
      for (const page of pages) await page.context().close();
    },
  );
});

describe('Connect looks like the app', () => {
  it(
    'in the app’s colours, corners, font, words and dates; one heading on the offer; no Google Fonts',
    { timeout: 120_000 },
    async () => {
      const email = 'theme@example.com';
      await addPasswordUser(stack.app, email, password);
      const { page, consoleErrors } = await newPage();
      await addAuthenticator(page);
      const outside: string[] = [];
      page.on('request', (request) => {
        const { hostname } = new URL(request.url());
        if (hostname !== 'localhost' && !hostname.startsWith(stack.cloud.projectId)) outside.push(request.url());
      });
      const style = (locator: ReturnType<Page['locator']>) =>
        locator.evaluate((element) => {
          const css = getComputedStyle(element);
          return {
            background: css.backgroundColor,
            radius: css.borderRadius,
            font: css.fontFamily,
            bodyFont: getComputedStyle(document.body).fontFamily,
          };
        });
      const ACCENT = 'rgb(11, 92, 173)';

      await page.goto(url('/login'));
      await componentLoaded(page);
      const signIn = page.locator('.cb-connect').getByRole('button', { name: 'Sign in', exact: true });
      await signIn.waitFor();
      const login = await style(signIn);
      expect(login).toMatchObject({ background: ACCENT, radius: '8px' });
      expect(login.font).toBe(login.bodyFont);
      expect(await page.locator('main').innerText()).not.toMatch(/\bLogin\b|Signup|log in/i);
      await page.screenshot({ path: `${ARTIFACTS}/connect-login-themed.png`, fullPage: true });

      await signInWithPassword(page, email);
      const offer = page.getByTestId('connect-append');
      await offer.waitFor();
      const activate = page.getByRole('button', { name: 'Activate passkey' });
      await activate.waitFor();
      expect(await style(activate)).toMatchObject({ background: ACCENT, radius: '8px' });
      // One heading says what this step is; Corbado's own title is not a second one.
      expect(await offer.getByRole('heading').filter({ visible: true }).count()).toBe(1);
      expect(await offer.locator('.cb-h2, .cb-h3').filter({ visible: true }).count()).toBe(0);
      expect(await page.locator('main').innerText()).not.toMatch(/\bLogin\b|Signup|log in/i);
      await page.screenshot({ path: `${ARTIFACTS}/connect-offer-themed.png`, fullPage: true });
      await clickButton(page, 'Activate passkey');
      await clickButton(page, 'Continue');
      await expectSignedInAs(page, email, 'Password');

      const item = page.locator('.cb-passkey-list-item').first();
      await item.waitFor({ timeout: 20_000 });
      // As the app writes dates ("7 Dec 2026, 00:05 UTC", like "Since" above), not "07-12-2026 00:05:24".
      const date = String.raw`\d{1,2}\u00a0[A-Z][a-z]{2}\u00a0\d{4}, \d{2}:\d{2}\u00a0UTC`;
      expect(await page.getByTestId('account-since').innerText()).toMatch(new RegExp(`^${date}$`));
      const details = await page.locator('.cb-passkey-list-item-details').allInnerTexts();
      expect(details[0]).toMatch(new RegExp(`^Created: ${date} with Chrome on Linux$`));
      expect(details[1]).toMatch(new RegExp(`^Last used: ${date}$`));
      expect(await style(page.getByRole('button', { name: /Add a passkey/ }))).toMatchObject({ background: ACCENT });
      await page.screenshot({ path: `${ARTIFACTS}/connect-account-themed.png`, fullPage: true });
      expect(outside).toEqual([]);
      expect(consoleErrors).toEqual([]);
      await page.context().close();
    },
  );
});

describe('a new user', () => {
  it(
    'signs up with an email code (Connect creates no users), then is offered a passkey and creates it',
    { timeout: 120_000 },
    async () => {
      const email = 'noah@example.com';
      const { page, consoleErrors } = await newPage();
      const authenticator = await addAuthenticator(page);
      await openFallback(page);
      const start = page.getByRole('form', { name: 'Sign in or create an account with an email code' });
      await typeInField(start, 'Email', email);
      await clickButton(start, 'Continue');
      await field(page, '6-digit code').waitFor();
      await typeInField(page, '6-digit code', latestCode(stack.app.dataDir, email));
      await clickButton(page, 'Continue');
      await acceptPasskeyOffer(page);
      await expectSignedInAs(page, email, 'Email code');
      const { username, attributes } = await cognitoUser(email);
      expect(attributes).toMatchObject({
        'custom:createdByCorbado': 'true',
        'custom:hasPasskey': 'true',
        email_verified: 'true',
      });
      expect(stack.cloud.passkeysOf(username)).toHaveLength(1);
      expect(await authenticator.credentialCount()).toBe(1);
      expect(consoleErrors).toEqual([]);
      await page.context().close();
    },
  );
});

describe('when the passkey does not work', () => {
  it(
    'falls back to our password form, pre-filled, when the authenticator refuses; skipping the offer goes on',
    { timeout: 120_000 },
    async () => {
      const email = 'refused@example.com';
      const { page } = await newPage();
      const authenticator = await addAuthenticator(page);
      await passwordUserWithPasskey(email, authenticator);
      // The device cannot verify its user: every WebAuthn request fails with NotAllowedError.
      await authenticator.setUserVerified(false);
      await signInWithPasskey(page, email);
      // Corbado's soft-error screen after the refusal: retry, or its fallback (our onFallback).
      await page.getByText('Use password instead', { exact: true }).click();
      await page.getByTestId('connect-fallback').waitFor();
      const form = page.locator('details form');
      expect(await form.getByLabel('Email').inputValue()).toBe(email);
      await typeInField(form, 'Password', password);
      await clickButton(form, 'Sign in');
      await page.getByTestId('connect-append').waitFor();
      await page.getByText('Skip', { exact: true }).click();
      await expectSignedInAs(page, email, 'Password');
      await page.context().close();
    },
  );

  it(
    'answers a clear 503 while the Backend API is down, keeps the other ways in, and the next try works',
    { timeout: 120_000 },
    async () => {
      const email = 'outage@example.com';
      const { page } = await newPage();
      const authenticator = await addAuthenticator(page);
      await passwordUserWithPasskey(email, authenticator);
      stack.cloud.setBackendDown(true);
      try {
        const answer = page.waitForResponse(url('/api/corbado/connect/sign-in'));
        await signInWithPasskey(page, email);
        const response = await answer;
        expect(response.status()).toBe(503);
        expect(Number(response.headers()['retry-after'])).toBeGreaterThan(0);
        await expect
          .poll(() => page.locator('p.error[role=alert]').textContent())
          .toContain('Corbado cannot be reached');
        await page.getByTestId('connect-fallback').waitFor();
      } finally {
        stack.cloud.setBackendDown(false);
      }
      await clickButton(page, 'Try a passkey again');
      await passkeyLogin(page, email);
      await expectSignedInAs(page, email, 'Passkey (Corbado)');
      await page.context().close();
    },
  );
});

describe('proofs that must not sign anyone in', () => {
  it(
    'refuses a replayed signedPasskeyData: the first use signs in, the copy gets 401',
    { timeout: 120_000 },
    async () => {
      const email = 'replayed@example.com';
      const { page } = await newPage();
      const authenticator = await addAuthenticator(page);
      await passwordUserWithPasskey(email, authenticator);
      const sent = page.waitForRequest(url('/api/corbado/connect/sign-in'));
      await signInWithPasskey(page, email);
      const body = (await sent).postData()!;
      await expectSignedInAs(page, email, 'Passkey (Corbado)');

      const attacker = await newPage();
      await attacker.page.goto(url('/login'));
      const replay = await attacker.page.request.post(url('/api/corbado/connect/sign-in'), {
        headers: { 'content-type': 'application/json', origin: stack.app.baseUrl },
        data: body,
      });
      expect(replay.status()).toBe(401);
      expect(await replay.json()).toMatchObject({ error: { code: 'connect_passkey_invalid' } });
      expect((await attacker.page.request.get(url('/api/auth/me'))).status()).toBe(401);
      await attacker.page.context().close();
      await page.context().close();
    },
  );

  it('refuses a proof altered to name another user, and signs in neither', { timeout: 120_000 }, async () => {
    const victim = await passwordUserWithPasskey('victim@example.com');
    const email = 'mallory@example.com';
    const { page } = await newPage();
    const authenticator = await addAuthenticator(page);
    await passwordUserWithPasskey(email, authenticator);
    // Mallory's browser swaps the user in her own valid proof for the victim's Cognito username.
    await page.route(url('/api/corbado/connect/sign-in'), async (route) => {
      const { signedPasskeyData } = JSON.parse(route.request().postData()!) as { signedPasskeyData: string };
      const [header, payload, signature] = signedPasskeyData.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
      const altered = Buffer.from(JSON.stringify({ ...claims, webauthnId: victim })).toString('base64url');
      await route.continue({ postData: JSON.stringify({ signedPasskeyData: `${header}.${altered}.${signature}` }) });
    });
    const answer = page.waitForResponse(url('/api/corbado/connect/sign-in'));
    await signInWithPasskey(page, email);
    expect((await answer).status()).toBe(401);
    await expect.poll(() => page.locator('p.error[role=alert]').textContent()).toContain('could not be verified');
    expect(stack.cloud.backendCalls().at(-1)).toMatchObject({
      path: '/v2/passkey/verifySignedData',
      body: { username: victim },
    });
    expect((await page.request.get(url('/api/auth/me'))).status()).toBe(401);
    await page.context().close();
  });
});
