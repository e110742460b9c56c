import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar } from '../support/cookie-jar';
import { startCorbadoTestStack, type CorbadoTestStack } from '../support/corbado-stack';

/**
 * The /login page with a Corbado project configured renders on the server. What Corbado's
 * component then does in the browser needs Corbado's cloud: its Frontend API base URL cannot be
 * pointed at localhost, so no browser test can drive it here. The browser side of sign-in is
 * covered by the embedded-mode browser tests (self-hosted passkeys, the same pipeline), and the
 * server side of Corbado mode by the session-exchange, account-linking and webhook tests.
 */

let stack: CorbadoTestStack;

beforeAll(async () => {
  stack = await startCorbadoTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('/login in Corbado mode', () => {
  it('renders server-side with 200, no error, the password fallback, and no Corbado network call', async () => {
    const jwksBefore = stack.frontend.jwksRequests();
    const response = await new CookieJar().fetch(`${stack.app.baseUrl}/login?next=/account`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('Sign in');
    expect(html).toMatch(/Sign in with your password instead/);
    expect(html).not.toMatch(/Application error|Internal Server Error|__next_error__/);
    expect(stack.frontend.jwksRequests()).toBe(jwksBefore);
    expect(stack.backend.requests).toEqual([]);
    expect(stack.app.output()).not.toMatch(/"level":"error"|unhandled_error|TypeError|ReferenceError/);
  });

  it('sends a user already signed in through Corbado on to next instead of showing the form', async () => {
    const jar = new CookieJar();
    const token = await stack.frontend.sessionToken({ sub: 'usr-9000000000000000001', email: 'signed.in@example.com' });
    const exchanged = await jar.fetch(`${stack.app.baseUrl}/api/auth/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(exchanged.status).toBe(200);
    const response = await jar.fetch(`${stack.app.baseUrl}/login?next=/account`);
    expect(response.status).toBe(307);
    expect(new URL(response.headers.get('location')!, stack.app.baseUrl).pathname).toBe('/account');
  });
});
