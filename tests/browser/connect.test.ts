import { mkdirSync } from 'node:fs';
import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAuthenticator, latestCode, launchBrowser, withoutAutofill } from '../support/browser';
import { startConnectTestStack, type ConnectTestStack } from '../support/connect-stack';
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
   * Console errors other than the two Google Fonts stylesheets the component's CSS imports
   * (blocked by the CSP) and the browser's own favicon request (the app has none).
   */
  consoleErrors: string[];
}

async function newPage(prepare: (context: BrowserContext) => Promise<void> = withoutAutofill): Promise<TestPage> {
  const context = await browser.newContext();
  await prepare(context);
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    const expected = message.text().includes('fonts.googleapis.com') || message.location().url.endsWith('/favicon.ico');
    if (message.type() === 'error' && !expected) {
      consoleErrors.push(`${message.text()} (${message.location().url})`);
    }
  });
  page.on('dialog', (dialog) => void dialog.accept());
  return { page, consoleErrors };
}

async function cognitoUser(email: string) {
  const user = await stack.app.sdk.send(new AdminGetUserCommand({ UserPoolId: stack.app.cognito.userPoolId, Username: email }));
  return { username: user.Username!, attributes: Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name, a.Value])) };
}

/** Corbado's login component has loaded (its email field), or its one-tap screen. */
async function componentLoaded(page: Page) {
  await page.locator('.cb-connect').first().waitFor({ timeout: 20_000 });
}

async function openFallback(page: Page) {
  await page.goto(url('/login'));
  await componentLoaded(page);
  await page.getByRole('button', { name: /New here, or no passkey/ }).click();
  await page.getByTestId('connect-fallback').waitFor();
}

async function signInWithPassword(page: Page, email: string) {
  await openFallback(page);
  await page.getByText('Sign in with your password instead').click();
  const form = page.locator('details form');
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

/** Corbado's login component, by the email field (first login in this browser) or one-tap. */
async function signInWithPasskey(page: Page, email: string) {
  await page.goto(url('/login'));
  await componentLoaded(page);
  const emailField = page.getByLabel('Email address');
  if (await emailField.isVisible()) {
    await emailField.fill(email);
    await page.getByRole('button', { name: 'Login', exact: true }).click();
  } else {
    await page.locator('.cb-connect').getByRole('button').filter({ hasText: email }).first().click();
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
  await page.getByRole('button', { name: 'Activate passkey' }).click();
  // Corbado's success screen: its Continue calls onComplete, which goes on to `next`.
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
}

describe('an existing password user', () => {
  it('password → append offer → passkey → sign out → passkey login → /account list → delete', { timeout: 120_000 }, async () => {
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

    await signOut(page);
    await signInWithPasskey(page, email);
    await expectSignedInAs(page, email, 'Passkey (Corbado)');

    await page.locator('.cb-passkey-list-item').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('.cb-passkey-list-item').count()).toBe(1);
    await page.screenshot({ path: `${ARTIFACTS}/connect-account.png`, fullPage: true });
    await page.locator('.cb-passkey-list-item-delete-icon').first().click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => stack.cloud.passkeysOf(username).length).toBe(0);
    await expect.poll(() => page.locator('.cb-passkey-list-item').count()).toBe(0);
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  });
});
