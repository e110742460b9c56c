import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations } from '../support/axe';
import { addAuthenticator, latestCode, launchBrowser, withoutAutofill, withoutPasskeys } from '../support/browser';
import { askForCode, enterCode } from '../support/login';
import { clickButton, screenText, typeInField, waitToSee } from '../support/person';
import { startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * The README's three scenarios walked as a person walks them, in the self-hosted (embedded
 * default) layer, on a desktop (1280×800) and a phone (390×844): typing with the keyboard,
 * clicking by visible name. Every step is checked by axe-core and kept as a screenshot in
 * test-results/walk/<size>/ (git-ignored) for a developer to open and look at.
 */

const WALK = 'test-results/walk';
const SIZES: Array<[string, BrowserContextOptions]> = [
  ['desktop', { viewport: { width: 1280, height: 800 } }],
  ['phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }],
];

let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const url = (route: string) => `${app.baseUrl}${route}`;

/** One walk: each step is screenshotted as <nn>-<name>.png and must have no axe violation. */
function walker(page: Page, folder: string) {
  mkdirSync(folder, { recursive: true });
  let step = 0;
  return async (name: string) => {
    step += 1;
    // Settled: no request in flight, no focus ring mid-transition.
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(folder, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
    await expectNoAxeViolations(page);
  };
}

async function expectAccountOf(page: Page, email: string, method: string) {
  await page.waitForURL(url('/account'));
  await waitToSee(page, email);
  expect(await page.getByTestId('account-method').textContent()).toBe(method);
}

async function signOut(page: Page) {
  await clickButton(page, 'Sign out');
  await page.waitForURL(/\/login$/);
}

describe.each(SIZES)('the README walked on a %s', { timeout: 180_000 }, (size, options) => {
  it('a new user with a passkey-ready device: email, code, passkey; next time the autofill signs in', async () => {
    const email = `new.passkey.${size}@example.com`;
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const authenticator = await addAuthenticator(page);
    const shot = walker(page, path.join(WALK, size, 'new-user-with-passkey'));

    await page.goto(url('/login'));
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
    await shot('sign-in');
    await askForCode(page, app.baseUrl, email);
    await shot('code-sent');
    await enterCode(page, latestCode(app.dataDir, email));
    await page.getByRole('heading', { name: 'Create a passkey for next time?' }).waitFor();
    await shot('passkey-offer');
    await clickButton(page, 'Create a passkey');
    await expectAccountOf(page, email, 'Email code');
    await waitToSee(page, /^Passkey “.+” created\. Next time, sign in with it\.$/);
    expect(await authenticator.credentialCount()).toBe(1);
    await shot('account-with-passkey');

    await signOut(page);
    // The email field's autofill offers the passkey; the virtual authenticator picks it at once.
    await expectAccountOf(page, email, 'Passkey');
    await shot('signed-in-with-passkey');
    await context.close();
  });

  it('a new user without passkeys: signs up and in with email codes, never offered a passkey', async () => {
    const email = `new.code.${size}@example.com`;
    const context = await browser.newContext(options);
    await withoutPasskeys(context);
    const page = await context.newPage();
    const shot = walker(page, path.join(WALK, size, 'new-user-code-only'));

    await page.goto(url('/login'));
    await expect.poll(() => page.getByRole('button', { name: 'Sign in with a passkey' }).count()).toBe(0);
    expect(await screenText(page)).not.toMatch(/passkey/i);
    await shot('sign-in');
    await askForCode(page, app.baseUrl, email);
    await shot('code-sent');
    await enterCode(page, latestCode(app.dataDir, email));
    await expectAccountOf(page, email, 'Email code');
    await waitToSee(page, /This browser cannot create passkeys/);
    await shot('account');

    await signOut(page);
    await askForCode(page, app.baseUrl, email);
    await enterCode(page, latestCode(app.dataDir, email));
    await expectAccountOf(page, email, 'Email code');
    await shot('signed-in-again');
    await context.close();
  });

  it('an existing password user: password, then a passkey from /account; then the passkey button signs in', async () => {
    const email = `password.user.${size}@example.com`;
    const password = 'Correct-horse-walk-1';
    await addPasswordUser(app, email, password);
    const context = await browser.newContext(options);
    await withoutAutofill(context);
    const page = await context.newPage();
    const authenticator = await addAuthenticator(page);
    const shot = walker(page, path.join(WALK, size, 'password-user-then-passkey'));

    await page.goto(url('/login'));
    await page.getByText('Sign in with your password instead').click();
    const form = page.locator('details form');
    await typeInField(form, 'Email', email);
    await typeInField(form, 'Password', password);
    await shot('password-form');
    await clickButton(form, 'Sign in');
    await expectAccountOf(page, email, 'Password');
    await shot('account-offers-passkey');
    await clickButton(page, 'Create a passkey');
    await waitToSee(page, /^Passkey “.+” created\.$/);
    expect(await authenticator.credentialCount()).toBe(1);
    await shot('account-with-passkey');

    await signOut(page);
    await clickButton(page, 'Sign in with a passkey');
    await expectAccountOf(page, email, 'Passkey');
    await shot('signed-in-with-passkey');
    await context.close();
  });
});
