import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureNativePasskeys } from '../../embedded-cognito/native-pool';
import { expectNoAxeViolations } from '../support/axe';
import { addAuthenticator, launchBrowser } from '../support/browser';
import { startForm } from '../support/login';
import { latestCognitoCode } from '../support/native-pool';
import { clearField, clickButton, field, screenText, typeInField, typeInto, waitToSee } from '../support/person';
import { startTestApp, type TestApp } from '../support/stack';

/**
 * The Cognito-native layer (PASSKEY_LAYER=cognito-native) walked as a person walks it, on a
 * desktop and a phone, against the embedded Cognito that verifies the passkeys for real: a new
 * user's email, Cognito's 8-digit code, the passkey offer, sign-out, the passkey sign-in (the
 * email first: no autofill, no usernameless button), then rename, delete and add on /account.
 * Every step is checked by axe-core and kept as a screenshot in test-results/walk-native/.
 */

const WALK = 'test-results/walk-native';
const SIZES: Array<[string, BrowserContextOptions]> = [
  ['desktop', { viewport: { width: 1280, height: 800 } }],
  ['phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }],
];

let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp({ PASSKEY_LAYER: 'cognito-native' });
  await configureNativePasskeys(app.sdk, app.cognito, 'localhost');
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const url = (route: string) => `${app.baseUrl}${route}`;

function walker(page: Page, folder: string) {
  mkdirSync(folder, { recursive: true });
  let step = 0;
  return async (name: string) => {
    step += 1;
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

const passkeyItems = (page: Page) => page.locator('ul.passkeys > li');

describe.each(SIZES)('Cognito’s own passkeys walked on a %s', { timeout: 180_000 }, (size, options) => {
  it('new user: email, Cognito’s code, passkey offer; sign-out; passkey sign-in; rename, delete, add', async () => {
    const email = `native.${size}@example.com`;
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const authenticator = await addAuthenticator(page);
    page.on('dialog', (dialog) => void dialog.accept());
    const shot = walker(page, path.join(WALK, size));

    await page.goto(url('/login'));
    // No passkey autofill: the email field asks for a username only.
    expect(await field(startForm(page), 'Email').getAttribute('autocomplete')).toBe('username');
    // The passkey needs the email first: the button says so, and asks Cognito nothing.
    await clickButton(page, 'Sign in with a passkey');
    await waitToSee(page, 'Enter your email first, then choose Sign in with a passkey.');
    await shot('sign-in');

    await typeInField(startForm(page), 'Email', email);
    await clickButton(startForm(page), 'Continue');
    await waitToSee(page, `We sent an 8-digit code to ${email}. It is valid for 3 minutes.`);
    await shot('code-sent');
    await typeInto(field(page, '8-digit code'), latestCognitoCode(app.dataDir, email));
    await clickButton(page, 'Continue');
    await page.getByRole('heading', { name: 'Create a passkey for next time?' }).waitFor();
    await shot('passkey-offer');
    await clickButton(page, 'Create a passkey');
    await expectAccountOf(page, email, 'Email code');
    await waitToSee(page, /^Passkey “.+” created\. Next time, sign in with it\.$/);
    expect(await authenticator.credentialCount()).toBe(1);
    await expect.poll(() => passkeyItems(page).count()).toBe(1);
    await shot('account-with-passkey');

    await clickButton(page, 'Sign out');
    await page.waitForURL(/\/login$/);
    await typeInField(startForm(page), 'Email', email);
    await clickButton(page, 'Sign in with a passkey');
    await expectAccountOf(page, email, 'Passkey');
    await waitToSee(passkeyItems(page).first(), /last used/);
    await shot('signed-in-with-passkey');

    // Cognito excludes the credentials the user has: this device adds another only once its first is gone.
    await clickButton(passkeyItems(page).first(), /^Rename/);
    const newName = field(passkeyItems(page).first(), 'New name');
    await clearField(newName);
    await typeInto(newName, 'Work laptop');
    await clickButton(passkeyItems(page).first(), 'Save');
    await waitToSee(page, 'Renamed to “Work laptop”.');
    await shot('renamed');

    await clickButton(passkeyItems(page).first(), /^Delete/);
    await waitToSee(page, 'Deleted “Work laptop”.');
    await expect.poll(() => passkeyItems(page).count()).toBe(0);
    await shot('deleted');

    await clickButton(page, 'Create a passkey');
    await waitToSee(page, /^Passkey “.+” created\.$/);
    await expect.poll(() => passkeyItems(page).count()).toBe(1);
    await page.reload();
    await expect.poll(() => passkeyItems(page).count()).toBe(1);
    expect(await screenText(page)).not.toContain('Work laptop');
    await shot('added-again');

    // The new passkey signs in; the deleted one is gone at Cognito.
    await clickButton(page, 'Sign out');
    await page.waitForURL(/\/login$/);
    await typeInField(startForm(page), 'Email', email);
    await clickButton(page, 'Sign in with a passkey');
    await expectAccountOf(page, email, 'Passkey');
    await context.close();
  });
});
