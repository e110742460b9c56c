import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations } from '../support/axe';
import { latestCode, launchBrowser, withoutAutofill } from '../support/browser';
import {
  askForCode as askForCodeAt,
  codeField,
  enterCode,
  expectRefusedCodeSelected,
  startForm,
} from '../support/login';
import {
  clickButton,
  field,
  focused,
  pasteInto,
  screenText,
  sees,
  typeInto,
  typeWhereFocused,
  waitToSee,
} from '../support/person';
import { startTestApp, type TestApp } from '../support/stack';
import { itemKey, storeItems } from '../support/store-items';
import { addPasswordUser } from '../support/users';

/**
 * Issue 20, the code step as a person meets it: after *Continue* the code has a screen and a
 * field of its own, empty and focused; a pasted code with spaces or dashes goes in; a wrong,
 * expired or replaced code says what happened and selects the field; a signed-in user confirming
 * who they are finds their email filled in. Every field is typed into or pasted into
 * (tests/support/person.ts). Its own app, so its codes do not share one address's send limit
 * with tests/browser/login-screens.test.ts.
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
const askForCode = (page: Page, email: string) => askForCodeAt(page, app.baseUrl, email);
/** The page's own alerts (Next's route announcer is an empty role=alert too). */
const alert = (page: Page) => page.locator('p.error[role=alert]');
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000 });

async function newPage(prepare?: (context: BrowserContext) => Promise<void>): Promise<Page> {
  const context = await browser.newContext();
  await prepare?.(context);
  return context.newPage();
}

/** Ages the stored code past its 10 minutes (the server's clock cannot be moved from here). */
async function expireStoredCode(email: string) {
  expect(await storeItems(app.dynamo).update(itemKey.code(email), { expiresAt: Date.now() - 1000 })).toBe(true);
}

describe('the code step', { timeout: 90_000 }, () => {
  it('Continue always leads to the code step: a new address and a known one see the same screen', async () => {
    const known = 'known-user@example.com';
    await addPasswordUser(app, known, 'Correct-horse-20');
    const screens: string[] = [];
    for (const email of [known, 'nobody-yet@example.com']) {
      const fresh = await newPage(withoutAutofill);
      await askForCode(fresh, email);
      screens.push((await screenText(fresh)).replaceAll(email, '<email>'));
      await fresh.context().close();
    }
    expect(screens[0]).toBe(screens[1]);
  });

  it('the code step: its own heading, "We sent a code to …" above an empty field that has the focus and takes typed digits', async () => {
    const email = 'typist@example.com';
    const page = await newPage(withoutAutofill);
    await askForCode(page, email);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your email');
    expect(await sees(page, 'Sign in')).toBe(false);
    expect(await codeField(page).inputValue()).toBe('');
    expect(await focused(page)).toMatchObject({ label: '6-digit code', value: '' });
    const sentLine = await page.getByText(`We sent a 6-digit code to ${email}.`).boundingBox();
    expect(sentLine!.y).toBeLessThan((await codeField(page).boundingBox())!.y);
    await expectNoAxeViolations(page);
    await typeWhereFocused(page, latestCode(app.dataDir, email));
    await clickButton(page, 'Continue');
    await page.getByRole('heading', { name: 'Create a passkey for next time?' }).waitFor();
    await page.context().close();
  });

  it('a code pasted with a space or a dash goes in as its six digits, and signs in', async () => {
    for (const [email, write] of [
      ['paste-space@example.com', (code: string) => `${code.slice(0, 3)} ${code.slice(3)}`],
      ['paste-dash@example.com', (code: string) => ` ${code.slice(0, 3)}-${code.slice(3)}\n`],
    ] as const) {
      const page = await newPage(withoutAutofill);
      await askForCode(page, email);
      const code = latestCode(app.dataDir, email);
      await pasteInto(codeField(page), write(code), { shows: code });
      expect(await codeField(page).inputValue()).toBe(code);
      await clickButton(page, 'Continue');
      await page.getByRole('heading', { name: 'Create a passkey for next time?' }).waitFor();
      await page.context().close();
    }
  });

  it('an expired code says so and selects the field', async () => {
    const email = 'late-typist@example.com';
    const page = await newPage(withoutAutofill);
    await askForCode(page, email);
    const code = latestCode(app.dataDir, email);
    await expireStoredCode(email);
    await enterCode(page, code);
    await eventually(() => alert(page).textContent()).toBe('That code has expired. Request a new code.');
    await expectRefusedCodeSelected(page, code);
    await page.context().close();
  });

  it('a replaced code says it was replaced (not "wrong"); "Send a new code" empties the field for the new one', async () => {
    const email = 'two-emails@example.com';
    const page = await newPage(withoutAutofill);
    await askForCode(page, email);
    const first = latestCode(app.dataDir, email);
    await typeInto(codeField(page), first.slice(0, 3));
    await clickButton(page, 'Send a new code');
    await waitToSee(page, `We sent a new code to ${email}. Use the newest one.`);
    expect(await codeField(page).inputValue()).toBe('');
    expect(await focused(page)).toMatchObject({ label: '6-digit code', value: '' });
    const newest = latestCode(app.dataDir, email);

    await typeWhereFocused(page, first);
    await clickButton(page, 'Continue');
    await eventually(() => alert(page).textContent()).toBe(
      'That code was replaced by a newer one: use the code from the newest email. 4 tries left.',
    );
    await expectRefusedCodeSelected(page, first);
    await typeWhereFocused(page, newest);
    await clickButton(page, 'Continue');
    await page.getByRole('heading', { name: 'Create a passkey for next time?' }).waitFor();
    await page.context().close();
  });

  it('"Confirm it’s you" (re-authentication) has the signed-in email filled in', async () => {
    const email = 'confirming@example.com';
    const page = await newPage(withoutAutofill);
    await askForCode(page, email);
    await enterCode(page, latestCode(app.dataDir, email));
    await clickButton(page, 'Not now');
    await page.waitForURL(url('/account'));
    await page.goto(url('/login?reauth=1&next=/account'));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Confirm it’s you');
    expect(await field(startForm(page), 'Email').inputValue()).toBe(email);
    // Continue goes straight on with that email.
    await clickButton(startForm(page), 'Continue');
    await waitToSee(page, `We sent a 6-digit code to ${email}. It is valid for 10 minutes.`);
    await page.context().close();
  });
});
