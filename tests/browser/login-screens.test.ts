import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations } from '../support/axe';
import { addAuthenticator, latestCode, launchBrowser, withoutAutofill, withoutPasskeys } from '../support/browser';
import { askForCode as askForCodeAt, enterCode, expectRefusedCodeSelected, startForm } from '../support/login';
import { clickButton, field, screenText, sees, typeInField, waitToSee } from '../support/person';
import { startTestApp, type TestApp } from '../support/stack';

/**
 * Issue 14, "screens that tell the truth", on /login in self-hosted mode: each state says what
 * is going on and what to do next, nothing on the page contradicts it, a pending passkey prompt
 * never holds up the email path, and axe-core finds no violation in any of the states.
 * Debian's Chromium against the production build on embedded defaults.
 */

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

const url = (path: string) => `${app.baseUrl}${path}`;

async function newPage(prepare?: (context: BrowserContext) => Promise<void>): Promise<Page> {
  const context = await browser.newContext();
  await prepare?.(context);
  return context.newPage();
}

/** An authenticator nobody touches: its passkey requests stay pending, like an unanswered prompt. */
const addUnansweredAuthenticator = (page: Page) => addAuthenticator(page, { touched: false });

const status = (page: Page) => page.getByRole('status');
/** The page's own alerts (Next's route announcer is an empty role=alert too). */
const alert = (page: Page) => page.locator('p.error[role=alert]');
/** A busy machine answers slowly: polls wait up to 15 s, as long as Playwright's own waits. */
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000 });

const askForCode = (page: Page, email: string) => askForCodeAt(page, app.baseUrl, email);

const otherThan = (code: string, step = 1) => String((Number(code) + step) % 1_000_000).padStart(6, '0');

async function cognitoAttributes(email: string): Promise<Record<string, string | undefined>> {
  const user = await app.sdk.send(new AdminGetUserCommand({ UserPoolId: app.cognito.userPoolId, Username: email }));
  return Object.fromEntries((user.UserAttributes ?? []).map((attribute) => [attribute.Name, attribute.Value]));
}

/** Email fields a user can see (a closed <details> keeps the password form's, unseen). */
const visibleEmailFields = (page: Page) => page.getByLabel('Email', { exact: true }).filter({ visible: true }).count();

// Several sign-ins per case: up to 26 s each on a machine shared by 6 builds, near the 30 s default.
describe('/login in self-hosted mode', { timeout: 90_000 }, () => {
  it('start: the email, one primary Continue, passkey autofill on the field, the passkey button secondary; no axe violation', async () => {
    const page = await newPage();
    await page.goto(url('/login'));
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    expect(await visibleEmailFields(page)).toBe(1);
    expect(await field(startForm(page), 'Email').getAttribute('autocomplete')).toBe('username webauthn');
    // One filled button on the screen, and it is the email's Continue.
    const filled = await page.evaluate(() =>
      [...document.querySelectorAll('button')]
        .filter((button) => button.checkVisibility())
        .filter((button) => getComputedStyle(button).backgroundColor !== 'rgba(0, 0, 0, 0)')
        .map((button) => button.textContent),
    );
    expect(filled).toEqual(['Continue']);
    const passkeyButton = page.getByRole('button', { name: 'Sign in with a passkey' });
    expect(await passkeyButton.evaluate((button) => getComputedStyle(button).borderStyle)).toBe('solid');
    await expectNoAxeViolations(page);
    await page.context().close();
  });

  it('"Sign in with your password instead" shows one Email field, filled with what was typed', async () => {
    const page = await newPage();
    await page.goto(url('/login'));
    await typeInField(startForm(page), 'Email', 'typed@example.com');
    await page.getByText('Sign in with your password instead').click();
    const passwordForm = page.locator('details form');
    await passwordForm.getByLabel('Password').waitFor();
    expect(await visibleEmailFields(page)).toBe(1);
    expect(await passwordForm.getByLabel('Email').inputValue()).toBe('typed@example.com');
    await expectNoAxeViolations(page);

    // Closed again: back to the code form, still one Email field, with the same address.
    await page.getByText('Sign in with your password instead').click();
    await startForm(page).waitFor();
    expect(await visibleEmailFields(page)).toBe(1);
    expect(await startForm(page).getByLabel('Email').inputValue()).toBe('typed@example.com');
    await page.context().close();
  });

  it('a wrong code says how many tries are left, then that the code is used up; other browsers learn nothing', async () => {
    const email = 'typo@example.com';
    const page = await newPage();
    await askForCode(page, email);
    await expectNoAxeViolations(page);
    const code = latestCode(app.dataDir, email);

    await enterCode(page, otherThan(code));
    await eventually(() => alert(page).textContent()).toBe('That code is wrong. 4 tries left.');
    // The focus is back on the field, the wrong code selected: typing replaces it.
    await expectRefusedCodeSelected(page, otherThan(code));
    expect(await sees(page, `We sent a 6-digit code to ${email}. It is valid for 10 minutes.`)).toBe(true);
    await expectNoAxeViolations(page);

    // Another browser that did not ask for this code gets the answer everybody always got.
    const stranger = await browser.newContext();
    const guess = await stranger.request.post(url('/api/auth/email-code/verify'), {
      data: { email, code: otherThan(code, 2) },
    });
    expect(guess.status()).toBe(401);
    expect(await guess.json()).toEqual({
      error: { code: 'invalid_code', message: 'That code is wrong or has expired. Request a new code and try again.' },
    });
    await stranger.close();

    // The stranger's guess cost a try: 2 are left, then 1, then none.
    await enterCode(page, otherThan(code, 3));
    await eventually(() => alert(page).textContent()).toBe('That code is wrong. 2 tries left.');
    await enterCode(page, otherThan(code, 4));
    await eventually(() => alert(page).textContent()).toBe('That code is wrong. 1 try left.');
    await enterCode(page, otherThan(code, 5));
    await eventually(() => alert(page).textContent()).toBe(
      'That code is used up: it had too many wrong tries. Request a new code.',
    );

    // A new code works: the used-up one did not lock the address.
    await clickButton(page, 'Send a new code');
    await waitToSee(page, `We sent a new code to ${email}. Use the newest one.`);
    await enterCode(page, latestCode(app.dataDir, email));
    await page.getByRole('heading', { name: 'Create a passkey for next time?' }).waitFor();
    await page.context().close();
  });

  it('"Send a new code" says it is sending on the button itself (no second status line), then that a new code is on its way', async () => {
    const email = 'resend@example.com';
    const page = await newPage();
    await askForCode(page, email);
    const first = latestCode(app.dataDir, email);

    // The send is held until the pending state has been seen.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(url('/api/auth/email-code'), async (route: Route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Send a new code' }).click();
    const sending = page.getByRole('button', { name: 'Sending a new code…' });
    await sending.waitFor();
    expect(await sending.isDisabled()).toBe(true);
    expect(await sending.getAttribute('aria-busy')).toBe('true');
    expect(await status(page).count()).toBe(0);
    release();

    await waitToSee(page, `We sent a new code to ${email}. Use the newest one.`);
    expect(await page.getByRole('button', { name: 'Send a new code' }).isEnabled()).toBe(true);
    expect(latestCode(app.dataDir, email)).not.toBe(first);
    await page.context().close();
  });

  it('a rate limit says how long to wait, in words, under the buttons', async () => {
    const email = 'impatient@example.com';
    const page = await newPage();
    await askForCode(page, email);
    // 5 codes per email per 15 minutes: the 4 resends pass, the 5th is refused.
    for (let resend = 1; resend <= 4; resend++) {
      const before = latestCode(app.dataDir, email);
      await clickButton(page, 'Send a new code');
      await eventually(async () => latestCode(app.dataDir, email)).not.toBe(before);
      await page.getByRole('button', { name: 'Send a new code' }).waitFor();
    }
    await clickButton(page, 'Send a new code');
    await eventually(() => alert(page).textContent()).toBe('Too many attempts. Try again in 15 minutes.');
    expect(await status(page).count()).toBe(0);
    await expectNoAxeViolations(page);
    await page.context().close();
  });

  it('a pending passkey request never greys out the email path: choosing it cancels the request', async () => {
    const email = 'no-touch@example.com';
    const page = await newPage(withoutAutofill);
    await addUnansweredAuthenticator(page);
    await page.goto(url('/login'));

    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const waiting = page.getByRole('button', { name: 'Waiting for your passkey…' });
    await waiting.waitFor();
    expect(await waiting.getAttribute('aria-busy')).toBe('true');
    // One status at a time: the button says it, no line elsewhere says anything else.
    expect(await status(page).count()).toBe(0);
    const sendButton = startForm(page).getByRole('button', { name: 'Continue' });
    expect(await sendButton.isEnabled()).toBe(true);

    await typeInField(startForm(page), 'Email', email);
    await sendButton.click();
    await waitToSee(page, `We sent a 6-digit code to ${email}. It is valid for 10 minutes.`);
    // The cancelled request ends quietly: no error for a choice the user made.
    expect(await alert(page).count()).toBe(0);
    await page.getByRole('button', { name: 'Use another email' }).click();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
    await page.context().close();
  });

  it('the autofill request waiting in the background does not hold up the code either', async () => {
    const email = 'autofill-waits@example.com';
    const page = await newPage();
    await addUnansweredAuthenticator(page);
    await askForCode(page, email);
    expect(await alert(page).count()).toBe(0);
    await page.context().close();
  });

  it('the offer step has its own heading and text, and "Not now" cancels a pending passkey prompt', async () => {
    const email = 'offered@example.com';
    const page = await newPage(withoutAutofill);
    await addUnansweredAuthenticator(page);
    await askForCode(page, email);
    await enterCode(page, latestCode(app.dataDir, email));

    const heading = page.getByRole('heading', { level: 1 });
    await eventually(() => heading.textContent()).toBe('Create a passkey for next time?');
    expect(await heading.count()).toBe(1);
    // The page's "Sign in" intro gives way to it.
    expect(await page.getByRole('heading', { name: 'Sign in' }).count()).toBe(0);
    expect(await sees(page, /Enter your email to sign in/)).toBe(false);
    await expectNoAxeViolations(page);

    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await eventually(() => status(page).textContent()).toBe('Creating your passkey…');
    expect(await page.getByRole('button', { name: 'Create a passkey' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Not now' }).isEnabled()).toBe(true);
    await page.getByRole('button', { name: 'Not now' }).click();
    await page.waitForURL(url('/account'));
    expect((await page.request.get(url('/api/auth/me'))).status()).toBe(200);
    await page.context().close();
  });

  it('"Don’t ask again" is kept on the account: another browser is not offered a passkey after a code', async () => {
    const email = 'not-again@example.com';
    const first = await newPage(withoutAutofill);
    await askForCode(first, email);
    await enterCode(first, latestCode(app.dataDir, email));
    await first.getByRole('button', { name: 'Don’t ask again' }).click();
    await first.waitForURL(url('/account'));
    expect((await cognitoAttributes(email))['custom:skipPasskeyOffer']).toBe('true');
    await first.context().close();

    const second = await newPage(withoutAutofill);
    await askForCode(second, email);
    await enterCode(second, latestCode(app.dataDir, email));
    await second.waitForURL(url('/account'));
    expect(await second.getByRole('heading', { name: 'Create a passkey for next time?' }).count()).toBe(0);
    await second.context().close();
  });

  it('a device without passkeys: the intro and the buttons say nothing of passkeys; the code path works', async () => {
    const page = await newPage(withoutPasskeys);
    await page.goto(url('/login'));
    await eventually(() => page.getByRole('button', { name: 'Sign in with a passkey' }).count()).toBe(0);
    expect(await screenText(page)).not.toMatch(/passkey/i);
    await page.context().close();
  });

  it('the route that keeps "Don’t ask again" needs a session and refuses other sites', async () => {
    const context = await browser.newContext();
    const signedOut = await context.request.post(url('/api/account/passkey-offer'), { data: { skip: true } });
    expect(signedOut.status()).toBe(401);
    const crossSite = await context.request.post(url('/api/account/passkey-offer'), {
      data: { skip: true },
      headers: { origin: 'https://evil.example' },
    });
    expect(crossSite.status()).toBe(403);
    await context.close();
  });
});
