import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations } from '../support/axe';
import { addAuthenticator, latestCode, launchBrowser, withoutAutofill } from '../support/browser';
import { startConnectTestStack, type ConnectTestStack } from '../support/connect-stack';
import { clickButton, field, typeInField, typeInto } from '../support/person';
import { addPasswordUser } from '../support/users';

/**
 * A walk of Corbado Connect mode as the README tells a person to try it, on a desktop (1280×800)
 * and a phone (390×844): every step typed and clicked as a person does, screenshotted into
 * test-results/walk/connect/<viewport>/ (git-ignored; open them to see what a person saw) and
 * checked with axe. The real @corbado/connect-react against the stand-in of Corbado's cloud.
 */

const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
type Viewport = keyof typeof VIEWPORTS;
const password = 'Walk-passw0rd';

let stack: ConnectTestStack;
let browser: Browser;
const url = (route: string) => `${stack.app.baseUrl}${route}`;

beforeAll(async () => {
  stack = await startConnectTestStack();
  browser = await launchBrowser(stack.cloud.chromiumArgs);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

interface Walk {
  page: Page;
  /** Screenshots the page as it is now and runs axe on it. */
  step(name: string): Promise<void>;
  consoleErrors: string[];
  close(): Promise<void>;
}

async function startWalk(viewport: Viewport, scenario: string): Promise<Walk> {
  const context = await browser.newContext({
    viewport: VIEWPORTS[viewport],
    ...(viewport === 'phone' ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  await withoutAutofill(context);
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  const dir = path.join('test-results', 'walk', 'connect', viewport);
  mkdirSync(dir, { recursive: true });
  let index = 0;
  return {
    page,
    consoleErrors,
    async step(name) {
      // Let the component's own loading settle before looking.
      await page.waitForLoadState('networkidle');
      index += 1;
      await page.screenshot({
        path: path.join(dir, `${scenario}-${String(index).padStart(2, '0')}-${name}.png`),
        fullPage: true,
      });
      await expectNoAxeViolations(page);
    },
    close: () => context.close(),
  };
}

const corbado = (page: Page) => page.locator('.cb-connect');

async function openCodeOrPassword(walk: Walk) {
  await walk.page.goto(url('/login'));
  await corbado(walk.page).first().waitFor({ timeout: 20_000 });
  await walk.step('login');
  await clickButton(walk.page, 'New here, or no passkey? Use an email code or your password');
  await walk.page.getByTestId('connect-fallback').waitFor();
  await walk.step('code-or-password');
}

async function acceptOffer(walk: Walk) {
  await walk.page.getByTestId('connect-append').waitFor();
  await clickButton(walk.page, 'Activate passkey');
  await walk.page.getByRole('button', { name: 'Continue', exact: true }).waitFor({ timeout: 20_000 });
  await walk.step('passkey-added');
  await clickButton(walk.page, 'Continue');
}

async function onAccount(walk: Walk, email: string) {
  await walk.page.waitForURL(url('/account'), { timeout: 20_000 });
  await expect.poll(() => walk.page.getByTestId('account-email').textContent()).toBe(email);
  await walk.page.locator('.cb-passkey-list-item').first().waitFor({ timeout: 20_000 });
  expect(await corbado(walk.page).innerText()).not.toContain('Unable to access passkeys');
  await walk.step('account');
}

async function signInWithPassword(walk: Walk, email: string, record: boolean) {
  const step = record ? walk.step : async () => undefined;
  await walk.page.getByText('Sign in with your password instead').click();
  const form = walk.page.locator('details form');
  await typeInField(form, 'Email', email);
  await typeInField(form, 'Password', password);
  await step('password-typed');
  await clickButton(form, 'Sign in');
  await walk.page.getByTestId('connect-append').waitFor({ timeout: 20_000 });
  await walk.page.getByRole('button', { name: 'Activate passkey' }).waitFor();
  await step('passkey-offer');
}

for (const viewport of Object.keys(VIEWPORTS) as Viewport[]) {
  describe(`Connect walk on a ${viewport}`, { timeout: 180_000 }, () => {
    it('an existing password user signs in, accepts the passkey offer, and sees the passkey', async () => {
      const email = `pat-${viewport}@example.com`;
      await addPasswordUser(stack.app, email, password);
      const walk = await startWalk(viewport, 'password-user');
      await addAuthenticator(walk.page);
      await openCodeOrPassword(walk);
      await signInWithPassword(walk, email, true);
      await acceptOffer(walk);
      await onAccount(walk, email);
      expect(walk.consoleErrors).toEqual([]);
      await walk.close();
    });

    it('a new user signs up with an email code, accepts the passkey offer, and sees the passkey', async () => {
      const email = `noa-${viewport}@example.com`;
      const walk = await startWalk(viewport, 'new-user');
      await addAuthenticator(walk.page);
      await openCodeOrPassword(walk);
      const codeForm = walk.page.getByRole('form', { name: 'Sign in or create an account with an email code' });
      await typeInField(codeForm, 'Email', email);
      await clickButton(codeForm, 'Continue');
      const code = field(walk.page, '6-digit code');
      await code.waitFor();
      await walk.step('code-sent');
      await typeInto(code, latestCode(stack.app.dataDir, email));
      await clickButton(walk.page, 'Continue');
      await walk.page.getByRole('button', { name: 'Activate passkey' }).waitFor({ timeout: 20_000 });
      await walk.step('passkey-offer');
      await acceptOffer(walk);
      await onAccount(walk, email);
      expect(walk.consoleErrors).toEqual([]);
      await walk.close();
    });

    it('signs out, then signs in again with the passkey', async () => {
      const email = `sam-${viewport}@example.com`;
      await addPasswordUser(stack.app, email, password);
      const walk = await startWalk(viewport, 'passkey-sign-in');
      await addAuthenticator(walk.page);
      // Before the walk: a passkey made the way the first walk made it.
      await walk.page.goto(url('/login'));
      await corbado(walk.page).first().waitFor({ timeout: 20_000 });
      await clickButton(walk.page, 'New here, or no passkey? Use an email code or your password');
      await signInWithPassword(walk, email, false);
      await clickButton(walk.page, 'Activate passkey');
      await clickButton(walk.page, 'Continue');
      await walk.page.waitForURL(url('/account'), { timeout: 20_000 });
      await walk.page.locator('.cb-passkey-list-item').first().waitFor({ timeout: 20_000 });

      await clickButton(walk.page, 'Sign out');
      await walk.page.waitForURL(url('/login'));
      // This browser signed in with a passkey before: Corbado offers it in one tap.
      const oneTap = corbado(walk.page).getByRole('button', { name: new RegExp(`Sign in with a passkey.*${email}`) });
      await oneTap.waitFor({ timeout: 20_000 });
      await walk.step('signed-out-one-tap');
      await oneTap.click();
      await walk.page.waitForURL(url('/account'), { timeout: 20_000 });
      expect(await walk.page.getByTestId('account-method').textContent()).toBe('Passkey (Corbado)');
      await onAccount(walk, email);
      expect(walk.consoleErrors).toEqual([]);
      await walk.close();
    });
  });
}
