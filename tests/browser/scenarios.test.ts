import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAuthenticator, latestCode, launchBrowser, withoutAutofill, withoutPasskeys } from '../support/browser';
import { clickButton, field, focused, screenText, typeInField, typeInto, waitToSee } from '../support/person';
import { setIdTokenLifetime, startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * The design's three scenarios end to end, in Debian's Chromium against the production build on
 * embedded defaults, with real passkey ceremonies on a virtual authenticator.
 */

let app: TestApp;
let browser: Browser;
const ARTIFACTS = 'test-results/screenshots';

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function newPage(prepare?: (context: BrowserContext) => Promise<void>): Promise<Page> {
  const context = await browser.newContext();
  await prepare?.(context);
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  return page;
}

const url = (path: string) => `${app.baseUrl}${path}`;

async function signInWithPassword(page: Page, email: string, password: string) {
  await page.goto(url('/login'));
  await page.getByText('Sign in with your password instead').click();
  const form = page.locator('details form');
  await typeInField(form, 'Email', email);
  await typeInField(form, 'Password', password);
  await clickButton(form, 'Sign in');
  await page.waitForURL(url('/account'));
}

async function signInWithEmailCode(page: Page, email: string) {
  await page.goto(url('/login'));
  const start = page.getByRole('form', { name: 'Sign in or create an account' });
  await typeInField(start, 'Email', email);
  await clickButton(start, 'Continue');
  await waitToSee(page, `We sent a 6-digit code to ${email}. It is valid for 10 minutes.`);
  await typeInto(field(page, '6-digit code'), latestCode(app.dataDir, email));
  await clickButton(page, 'Continue');
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(url('/login'));
}

async function expectSignedInAs(page: Page, email: string, method: string) {
  await page.waitForURL(url('/account'));
  await expect.poll(() => page.getByTestId('account-email').textContent()).toBe(email);
  expect(await page.getByTestId('account-method').textContent()).toBe(method);
}

async function signedIn(page: Page): Promise<boolean> {
  const response = await page.request.get(url('/api/auth/me'));
  return response.status() === 200;
}

describe('scenario 1: an existing password user', () => {
  it('signs in with the password, is offered a passkey, creates one, then signs in with it; the password still works', async () => {
    const email = 'olivia@example.com';
    const password = 'Correct-horse-3';
    await addPasswordUser(app, email, password);
    const page = await newPage(withoutAutofill);
    const authenticator = await addAuthenticator(page);

    await signInWithPassword(page, email, password);
    await expectSignedInAs(page, email, 'Password');
    await page.screenshot({ path: `${ARTIFACTS}/account-offer.png`, fullPage: true });
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await expect.poll(() => page.locator('ul.passkeys li').count()).toBe(1);
    expect(await authenticator.credentialCount()).toBe(1);
    await page.screenshot({ path: `${ARTIFACTS}/account.png`, fullPage: true });

    await signOut(page);
    await page.screenshot({ path: `${ARTIFACTS}/login.png`, fullPage: true });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expectSignedInAs(page, email, 'Passkey');

    await signOut(page);
    await signInWithPassword(page, email, password);
    await expectSignedInAs(page, email, 'Password');
    await page.context().close();
  });
});

describe('scenario 2: a new user on a passkey-ready device', () => {
  it('signs up with an email code and a passkey, then signs in through autofill without typing anything', async () => {
    const email = 'noah@example.com';
    const page = await newPage();
    const authenticator = await addAuthenticator(page);

    await signInWithEmailCode(page, email);
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await expectSignedInAs(page, email, 'Email code');
    expect(await authenticator.credentialCount()).toBe(1);
    expect(await page.locator('ul.passkeys li').count()).toBe(1);
    // The offer's passkey is confirmed where the list shows it.
    await waitToSee(page, 'Passkey “Chrome on Linux” created. Next time, sign in with it.');

    await signOut(page);
    // Conditional UI: the email field's autofill offers the passkey; the virtual authenticator picks it at once.
    await expectSignedInAs(page, email, 'Passkey');

    const other = await newPage();
    await other.goto(url('/account'));
    await other.waitForURL(/\/login\?next=%2Faccount$/);
    expect(await signedIn(other)).toBe(false);
    await other.context().close();
    await page.context().close();
  });
});

describe('scenario 3: a new user on a device without passkeys', () => {
  it('signs up and signs in again with email codes, and is never offered a passkey', async () => {
    const email = 'emma@example.com';
    const page = await newPage(withoutPasskeys);
    await page.goto(url('/login'));
    // The server renders the button; the page removes it once it has found no WebAuthn, which
    // can come after the load event on a busy machine.
    await expect.poll(() => page.getByRole('button', { name: 'Sign in with a passkey' }).count()).toBe(0);

    await signInWithEmailCode(page, email);
    await expectSignedInAs(page, email, 'Email code');
    await signOut(page);
    await signInWithEmailCode(page, email);
    await expectSignedInAs(page, email, 'Email code');
    await page.context().close();
  });
});

describe('passkey failures', () => {
  async function userWithPasskey(email: string) {
    const page = await newPage(withoutAutofill);
    const authenticator = await addAuthenticator(page);
    await signInWithEmailCode(page, email);
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await expectSignedInAs(page, email, 'Email code');
    return { page, authenticator };
  }

  it('user verification refused by the authenticator: a clear error and no session', async () => {
    const { page, authenticator } = await userWithPasskey('uv@example.com');
    await signOut(page);
    await authenticator.setUserVerified(false);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect
      .poll(() => page.locator('p.error[role=alert]').textContent())
      .toMatch(/could not verify you|could not be verified/);
    expect(page.url()).toContain('/login');
    expect(await signedIn(page)).toBe(false);
    await page.context().close();
  });

  it('a deleted passkey no longer signs in, and the message says why and leads to the email code, not "Try again"', async () => {
    const { page, authenticator } = await userWithPasskey('deleted@example.com');
    await page.getByRole('button', { name: /^Delete/ }).click();
    await expect.poll(() => page.locator('ul.passkeys li').count()).toBe(0);
    expect(await authenticator.credentialCount()).toBe(1);

    await signOut(page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect
      .poll(() => page.locator('p.error[role=alert]').textContent())
      .toBe(
        'This passkey is no longer registered here (it may have been deleted). Sign in with an email code instead: enter your email and choose Continue.',
      );
    expect(await screenText(page)).not.toMatch(/try again/i);
    expect(await focused(page)).toMatchObject({ label: 'Email', tag: 'input' });
    expect(await signedIn(page)).toBe(false);
    await page.context().close();
  });
});

describe('sessions in the browser', () => {
  it('refreshes on its own when the ID token has expired', async () => {
    await setIdTokenLifetime(app, 3, 'seconds');
    try {
      const email = 'refresh@example.com';
      await addPasswordUser(app, email, 'Correct-horse-4');
      const page = await newPage(withoutAutofill);
      await signInWithPassword(page, email, 'Correct-horse-4');
      const before = (await page.context().cookies()).find((cookie) => cookie.name === '__Host-session')?.value;
      await page.waitForTimeout(3_500);
      await page.reload();
      await expectSignedInAs(page, email, 'Password');
      const after = (await page.context().cookies()).find((cookie) => cookie.name === '__Host-session')?.value;
      expect(after).toBeDefined();
      expect(after).not.toBe(before);
      await page.context().close();
    } finally {
      await setIdTokenLifetime(app, 60, 'minutes');
    }
  });

  it('after sign-out the protected page leads back to /login', async () => {
    const email = 'leaving@example.com';
    await addPasswordUser(app, email, 'Correct-horse-6');
    const page = await newPage(withoutAutofill);
    await signInWithPassword(page, email, 'Correct-horse-6');
    await signOut(page);
    await page.goto(url('/account'));
    await page.waitForURL(/\/login\?next=%2Faccount$/);
    expect((await page.context().cookies()).map((cookie) => cookie.name)).not.toContain('__Host-session');
    await page.context().close();
  });
});
