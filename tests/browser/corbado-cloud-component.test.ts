import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addAuthenticator, launchBrowser, withoutAutofill, type Authenticator } from '../support/browser';
import { startCorbadoCloud, type CorbadoCloud } from '../support/corbado-cloud';
import { startComponentPage, type ComponentPage } from '../support/corbado-cloud/component-page';
import { clickButton, typeInField, waitToSee } from '../support/person';

/**
 * The REAL @corbado/connect-react 0.2.4-alpha.0 (with its @corbado/web-core 2.18) in Debian's
 * Chromium against the Corbado cloud stand-in, on a minimal page with no app behind it: the
 * provider's frontendApiUrlSuffix, Chromium's host-resolver rule and the certificate's SPKI hash
 * bring it to the stand-in; a CDP virtual authenticator does the passkeys. Corbado's cloud cannot
 * run here, so this is what proves the stand-in speaks the component's API. The component is the
 * one the app ships, with its build-time corrections (scripts/build/corbado-connect-patch.cjs).
 */

/** The component's steps take seconds on a busy machine; expect.poll's default is one second. */
const POLL = { timeout: 20_000 };
const ADA = { username: 'cognito-user-1', email: 'ada@example.com' };
/**
 * Chromium logs every 4xx answer as a console error; Corbado's spec answers login/start 404 for an
 * identifier it has no user for, so that one is expected where a test types such an email.
 */
const USER_NOT_FOUND = /\/v2\/connect\/login\/start$/;

let page: ComponentPage;
let cloud: CorbadoCloud;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  page = await startComponentPage();
  cloud = await startCorbadoCloud({ appOrigin: page.origin, actions: page.actions });
  page.useCloud(cloud);
  browser = await launchBrowser(cloud.chromiumArgs);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await cloud?.close();
  await page?.close();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  cloud.reset();
  page.verifications.length = 0;
});

interface Tab {
  tab: Page;
  authenticator: Authenticator;
  /** Console errors other than login/start's 404 for an unknown identifier. */
  unexpectedErrors: string[];
  /** Every URL the page asked for outside its own origin and the stand-in (Google Fonts, CDNs). */
  thirdParty: string[];
}

/** A fresh profile (the component keeps its process in localStorage) with a virtual authenticator. */
async function openTab(options: { autofill?: boolean } = {}): Promise<Tab> {
  const context = await browser.newContext();
  contexts.push(context);
  if (!options.autofill) await withoutAutofill(context);
  const tab = await context.newPage();
  const unexpectedErrors: string[] = [];
  const thirdParty: string[] = [];
  tab.on('console', (message) => {
    if (message.type() !== 'error' || USER_NOT_FOUND.test(message.location().url)) return;
    unexpectedErrors.push(`${message.text()} (${message.location().url})`);
  });
  tab.on('pageerror', (error) => unexpectedErrors.push(error.message));
  tab.on('request', (request) => {
    const { origin, hostname } = new URL(request.url());
    if (origin !== page.origin && !hostname.startsWith(cloud.projectId)) thirdParty.push(request.url());
  });
  return { tab, authenticator: await addAuthenticator(tab), unexpectedErrors, thirdParty };
}

const status = (tab: Page) => tab.locator('#status').textContent();

async function appendWithComponent({ tab, authenticator }: Tab) {
  await tab.goto(page.url('append', ADA));
  await clickButton(tab, 'Activate passkey');
  await clickButton(tab, 'Continue');
  await expect.poll(() => status(tab), POLL).toBe('append:complete');
  expect(await authenticator.credentialCount()).toBe(1);
  expect(cloud.passkeysOf(ADA.username)).toHaveLength(1);
}

/** Copies the passkey of one virtual authenticator into another (the same person on a fresh profile). */
async function copyPasskey(from: Authenticator, to: Authenticator) {
  const { credentials } = await from.cdp.send('WebAuthn.getCredentials', { authenticatorId: from.id });
  for (const credential of credentials)
    await to.cdp.send('WebAuthn.addCredential', { authenticatorId: to.id, credential });
}

async function loginWithEmail({ tab }: Tab, email: string) {
  await tab.goto(page.url('login', ADA));
  await typeInField(tab, 'Email address', email);
  await clickButton(tab, 'Sign in');
}

describe('the real component against the stand-in', { timeout: 90_000 }, () => {
  it('appends a passkey, then logs in with the email on a fresh profile; the data verifies once', async () => {
    const first = await openTab();
    await appendWithComponent(first);

    const second = await openTab();
    await copyPasskey(first.authenticator, second.authenticator);
    await loginWithEmail(second, ADA.email);
    await expect.poll(() => status(second.tab), POLL).toBe('login:success');
    expect(page.verifications).toEqual([{ username: ADA.username, verificationResult: 'success' }]);
    expect(cloud.frontendCalls().map((call) => `${call.path} ${call.status}`)).toEqual(
      expect.arrayContaining(['/v2/connect/login/start 200', '/v2/connect/login/finish 200']),
    );
    expect(first.unexpectedErrors).toEqual([]);
    expect(second.unexpectedErrors).toEqual([]);
    // No Google Fonts (the app's font comes from the app), no FingerprintJS CDN.
    expect([...first.thirdParty, ...second.thirdParty]).toEqual([]);
  });

  it('logs in with one tap on the profile that appended', async () => {
    const tab = await openTab();
    await appendWithComponent(tab);
    await tab.tab.goto(page.url('login', ADA));
    await waitToSee(tab.tab, 'Welcome back');
    await clickButton(tab.tab, /Sign in with a passkey.*ada@example\.com/);
    await expect.poll(() => status(tab.tab), POLL).toBe('login:success');
    expect(tab.unexpectedErrors).toEqual([]);
  });

  it('logs in through passkey autofill (conditional UI): login/init, then login/finish, no login/start', async () => {
    const first = await openTab();
    await appendWithComponent(first);
    const second = await openTab({ autofill: true });
    await copyPasskey(first.authenticator, second.authenticator);
    const before = cloud.frontendCalls().length;
    await second.tab.goto(page.url('login', ADA));
    const field = second.tab.getByLabel('Email address');
    await expect.poll(() => field.getAttribute('autocomplete'), POLL).toBe('username webauthn');
    // Focusing the field opens the autofill; the virtual authenticator picks its passkey.
    await field.click();
    await expect.poll(() => status(second.tab), POLL).toBe('login:success');
    expect(
      cloud
        .frontendCalls()
        .slice(before)
        .map((call) => call.path),
    ).toEqual(['/v2/connect/login/init', '/v2/connect/login/finish']);
    expect(page.verifications).toEqual([{ username: ADA.username, verificationResult: 'success' }]);
    expect(second.unexpectedErrors).toEqual([]);
  });

  it('falls back alike, with the email and no message, for an unknown identifier and for a user without passkeys', async () => {
    // A user Corbado knows (an append token was issued) who has no passkey yet: assertionOptions "".
    const token = await fetch(`${page.origin}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'passkey-append', ...ADA }),
    });
    expect(token.status).toBe(200);
    const known = await openTab();
    await loginWithEmail(known, ADA.email);
    await expect.poll(() => status(known.tab), POLL).toBe('fallback:ada@example.com:null');

    // An email Corbado has no user for: login/start answers 404 (Corbado's spec).
    const unknown = await openTab();
    await loginWithEmail(unknown, 'nobody@example.com');
    await expect.poll(() => status(unknown.tab), POLL).toBe('fallback:nobody@example.com:null');
    expect(cloud.frontendCalls().filter((call) => call.path === '/v2/connect/login/start')).toEqual([
      { path: '/v2/connect/login/start', status: 200 },
      { path: '/v2/connect/login/start', status: 404 },
    ]);
    // What a stranger sees is the same for both: no "There is no account registered with this email."
    expect(await unknown.tab.locator('.cb-connect').innerText()).toBe(
      await known.tab.locator('.cb-connect').innerText(),
    );
    expect(known.unexpectedErrors).toEqual([]);
  });

  it('offers the password when the authenticator refuses, and falls back on request', async () => {
    const first = await openTab();
    await appendWithComponent(first);
    const second = await openTab();
    await copyPasskey(first.authenticator, second.authenticator);
    await second.authenticator.setUserVerified(false);
    await loginWithEmail(second, ADA.email);
    await waitToSee(second.tab, 'Use your passkey to confirm it’s really you!');
    // The component's link buttons are divs, not buttons: a person clicks the words.
    await second.tab.getByText('Use password instead').click();
    await expect.poll(() => status(second.tab), POLL).toMatch(/^fallback:ada@example\.com:/);
    expect(page.verifications).toEqual([]);
    expect(second.unexpectedErrors).toEqual([]);
  });

  it('lists the passkey and deletes it', async () => {
    const tab = await openTab();
    await appendWithComponent(tab);
    await tab.tab.goto(page.url('list', ADA));
    await waitToSee(tab.tab, /with Chrome on Linux/);
    // The dates as the app writes them ("7 Dec 2026, 00:05 UTC"), not "07-12-2026 00:05:24".
    const details = await tab.tab.locator('.cb-passkey-list-item-details').allInnerTexts();
    expect(details[0]).toMatch(
      /^Created: \d{1,2}\u00a0[A-Z][a-z]{2}\u00a0\d{4}, \d{2}:\d{2}\u00a0UTC with Chrome on Linux$/,
    );
    expect(details[1]).toMatch(/^Last used: \d{1,2}\u00a0[A-Z][a-z]{2}\u00a0\d{4}, \d{2}:\d{2}\u00a0UTC$/);
    // The delete icon has no name (Corbado's markup): a person clicks the cross beside the passkey.
    await tab.tab.locator('.cb-passkey-list-item-delete-icon .cb-link-button').click();
    await clickButton(tab.tab, 'Delete');
    await expect.poll(() => cloud.passkeysOf(ADA.username).length, POLL).toBe(0);
    // The list lists again with the same token, then the confirmation modal (which shows the item too) closes.
    await expect.poll(() => tab.tab.locator('.cb-passkey-list-item').count(), POLL).toBe(0);
    expect(cloud.backendCalls().map((call) => (call.body as { type?: string }).type)).toEqual([
      'passkey-append',
      'passkey-list',
      'passkey-delete',
    ]);
    expect(tab.unexpectedErrors).toEqual([]);
  });

  it('lists without a false "Unable to access passkeys" in React Strict Mode, as `npm run dev` runs it', async () => {
    const tab = await openTab();
    await appendWithComponent(tab);
    // A fresh profile with no stored manage process: manage/init goes to the network, and Strict
    // Mode's unmount aborts that first request.
    const fresh = await openTab();
    await fresh.tab.goto(page.url('list', ADA, { strict: true }));
    await waitToSee(fresh.tab, /with Chrome on Linux/);
    await expect
      .poll(
        () => cloud.backendCalls().filter((call) => (call.body as { type?: string }).type === 'passkey-list').length,
        POLL,
      )
      .toBeGreaterThan(0);
    await fresh.tab.waitForLoadState('networkidle');
    expect(await fresh.tab.locator('.cb-connect').innerText()).not.toContain('Unable to access passkeys');
    expect(fresh.unexpectedErrors).toEqual([]);
  });

  it('is refused by the stand-in on another origin, and the component falls back', async () => {
    const tab = await openTab();
    await tab.tab.goto(page.url('login', ADA).replace('localhost', '127.0.0.1'));
    await expect.poll(() => status(tab.tab), POLL).toMatch(/^fallback:/);
    expect(cloud.frontendCalls()).toEqual([]);
  });
});

describe('the local demo setup: *.localhost and a kept certificate', { timeout: 90_000 }, () => {
  it('reaches pro-….localhost with no host rule, only the certificate’s SPKI hash', async () => {
    const tlsDir = mkdtempSync(path.join(tmpdir(), 'corbado-cloud-tls-'));
    const demoPage = await startComponentPage();
    const demoCloud = await startCorbadoCloud({
      appOrigin: demoPage.origin,
      actions: demoPage.actions,
      host: 'localhost',
      tlsDir,
    });
    demoPage.useCloud(demoCloud);
    const demoBrowser = await launchBrowser(demoCloud.chromiumArgs);
    try {
      expect(demoCloud.frontendApiUrlSuffix).toMatch(/^localhost:\d+$/);
      expect(demoCloud.chromiumArgs).toEqual([`--ignore-certificate-errors-spki-list=${demoCloud.spkiHash}`]);
      const context = await demoBrowser.newContext();
      await withoutAutofill(context);
      const tab = await context.newPage();
      await addAuthenticator(tab);
      await tab.goto(demoPage.url('append', ADA));
      await tab.getByRole('button', { name: 'Activate passkey' }).click();
      await tab.getByRole('button', { name: 'Continue' }).click();
      await expect.poll(() => status(tab), POLL).toBe('append:complete');
      expect(demoCloud.passkeysOf(ADA.username)).toHaveLength(1);
    } finally {
      await demoBrowser.close();
      await demoCloud.close();
      await demoPage.close();
    }
    // The next start reuses the certificate, so a person who accepted it once need not again.
    const again = await startCorbadoCloud({ appOrigin: demoPage.origin, host: 'localhost', tlsDir });
    await again.close();
    rmSync(tlsDir, { recursive: true, force: true });
    expect(again.spkiHash).toBe(demoCloud.spkiHash);
  });
});
