import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAuthenticator, launchBrowser, withoutAutofill } from '../support/browser';
import { typeInField } from '../support/person';
import { startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * The Content-Security-Policy as Chromium enforces it on the production build: the pages run
 * (they are interactive) without a single violation, while a script the server did not put
 * there is refused, and no other site can frame the pages.
 */

let app: TestApp;
let browser: Browser;
const LOGIN_USER = { email: 'csp.login@example.com', password: 'Right-horse-4' };
const ACCOUNT_USER = { email: 'csp.account@example.com', password: 'Right-horse-5' };

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
  // Made up front: the emulator closes idle keep-alive connections, which a later admin call could hit.
  await addPasswordUser(app, LOGIN_USER.email, LOGIN_USER.password);
  await addPasswordUser(app, ACCOUNT_USER.email, ACCOUNT_USER.password);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const url = (path: string) => `${app.baseUrl}${path}`;

interface Watched {
  page: Page;
  /** securitypolicyviolation events, as the page saw them, and CSP messages on the console. */
  violations(): Promise<string[]>;
}

/** A page that records every CSP violation from the moment each document starts. */
async function watchedPage(prepare?: (context: BrowserContext) => Promise<void>): Promise<Watched> {
  const context = await browser.newContext();
  await prepare?.(context);
  await context.addInitScript(() => {
    const seen: string[] = [];
    Object.defineProperty(window, '__cspViolations', { value: seen });
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push(
        `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} (${event.sourceFile}:${event.lineNumber})`,
      );
    });
  });
  const page = await context.newPage();
  const consoleViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to (execute|load|apply|connect|frame|evaluate)/i.test(message.text())) {
      consoleViolations.push(message.text());
    }
  });
  return {
    page,
    async violations() {
      const inPage = await page.evaluate(() => [
        ...((window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []),
      ]);
      return [...inPage, ...consoleViolations];
    },
  };
}

describe('pages under the Content-Security-Policy', () => {
  it('/login loads without a CSP violation and is interactive: a wrong password shows the error React renders', async () => {
    const { email } = LOGIN_USER;
    const { page, violations } = await watchedPage(withoutAutofill);
    await page.goto(url('/login'));
    await page.waitForLoadState('networkidle');
    await page.getByText('Sign in with your password instead').click();
    const form = page.locator('details form');
    await typeInField(form, 'Email', email);
    await typeInField(form, 'Password', 'Wrong-horse-4');
    const answer = page.waitForResponse((response) => response.url().endsWith('/api/auth/password'));
    await form.getByRole('button', { name: 'Sign in' }).click();
    expect((await answer).status()).toBe(401);
    await expect.poll(() => form.getByRole('alert').textContent()).toBe('The email or password is incorrect.');
    expect(page.url()).toBe(url('/login'));
    expect(await violations()).toEqual([]);
    await page.context().close();
  });

  it('/account, signed in with a password, loads without a CSP violation and is interactive: a passkey is created and sign-out works', async () => {
    const { email, password } = ACCOUNT_USER;
    const { page, violations } = await watchedPage(withoutAutofill);
    const authenticator = await addAuthenticator(page);
    await page.goto(url('/login'));
    await page.getByText('Sign in with your password instead').click();
    const form = page.locator('details form');
    await typeInField(form, 'Email', email);
    await typeInField(form, 'Password', password);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url('/account'));
    await page.waitForLoadState('networkidle');
    expect(await page.getByTestId('account-email').textContent()).toBe(email);

    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await expect.poll(() => page.locator('ul.passkeys li').count()).toBe(1);
    expect(await authenticator.credentialCount()).toBe(1);
    expect(await violations()).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(url('/login'));
    await page.waitForLoadState('networkidle');
    expect(await violations()).toEqual([]);
    await page.context().close();
  });

  it('the 404 page loads without a CSP violation', async () => {
    const { page, violations } = await watchedPage();
    const response = await page.goto(url('/no-such-page'));
    expect(response?.status()).toBe(404);
    await page.waitForLoadState('networkidle');
    expect(await violations()).toEqual([]);
    await page.context().close();
  });
});

describe('what the policy refuses', () => {
  it('an inline script injected into the page without the nonce does not run, and is reported as a violation', async () => {
    const { page, violations } = await watchedPage(withoutAutofill);
    // Stands in for an injection: the server's answer and headers, with one extra script in the HTML.
    await page.route(url('/login'), async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace('</body>', '<script>window.__injected = true;</script></body>');
      await route.fulfill({ response, body: html });
    });
    await page.goto(url('/login'));
    await page.waitForLoadState('networkidle');
    expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
    const seen = await violations();
    expect(seen.some((line) => line.startsWith('script-src-elem blocked inline'))).toBe(true);
    // The app's own scripts still ran: the page hydrated and the passkey button is there.
    await expect.poll(() => page.getByRole('button', { name: 'Sign in with a passkey' }).count()).toBe(1);
    await page.context().close();
  });

  it('another site cannot frame the pages (frame-ancestors none), while it can frame a page that allows it', async () => {
    const { page } = await watchedPage();
    // Pages on another origin (127.0.0.1 is not localhost): one frames /login, one frames a page of its own.
    const otherOrigin = app.baseUrl.replace('localhost', '127.0.0.1');
    await page.route(`${otherOrigin}/**`, (route) => {
      const target = route.request().url().endsWith('/frame-app') ? url('/login') : `${otherOrigin}/plain`;
      const body = route.request().url().endsWith('/plain') ? '<h1>plain</h1>' : `<iframe src="${target}"></iframe>`;
      return route.fulfill({ contentType: 'text/html', body });
    });
    const childUrl = async () => {
      const child = page.frames().find((frame) => frame !== page.mainFrame());
      return child?.url() ?? '';
    };

    await page.goto(`${otherOrigin}/frame-own`);
    await expect.poll(childUrl).toBe(`${otherOrigin}/plain`);

    await page.goto(`${otherOrigin}/frame-app`);
    // Chromium replaces a frame that frame-ancestors refuses with its error page.
    await expect.poll(childUrl).toBe('chrome-error://chromewebdata/');
    await page.context().close();
  });
});
