import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar } from '../support/cookie-jar';
import { startTestFrontendApi, type TestFrontendApi } from '../support/corbado-frontend-api';
import { API_SECRET, cognitoCallsDuring, poolSnapshot, PROJECT_ID } from '../support/corbado-stack';
import { startTestApp, type TestApp } from '../support/stack';

/**
 * Corbado's Frontend API (its JWKS) failing: the local stand-in first answers 503, then is
 * stopped, so its port refuses connections as in an outage. Neither is the user's fault.
 */

let app: TestApp;
let frontend: TestFrontendApi;

beforeAll(async () => {
  frontend = await startTestFrontendApi();
  app = await startTestApp({
    CORBADO_MODE: 'complete',
    CORBADO_PROJECT_ID: PROJECT_ID,
    CORBADO_API_SECRET: API_SECRET,
    CORBADO_FRONTEND_API: frontend.origin,
    CORBADO_BACKEND_API: frontend.origin,
  });
});
afterAll(async () => {
  await app?.stop();
  await frontend?.stop();
});

async function exchangeDuringOutage() {
  const token = await frontend.sessionToken({ email: 'outage@example.com' });
  const snapshot = await poolSnapshot(app);
  let response!: Response;
  const calls = await cognitoCallsDuring(app, async () => {
    response = await new CookieJar().fetch(`${app.baseUrl}/api/auth/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
  });
  expect(response.status).toBe(503);
  expect(await response.json()).toEqual({ error: { code: 'upstream_unavailable', message: expect.any(String) } });
  expect(calls).toEqual({});
  expect(await poolSnapshot(app)).toBe(snapshot);
}

describe("Corbado's keys cannot be fetched", () => {
  it('answers a well-formed token with 503 (retry later), not 401, when the JWKS answers 503; nothing changes in Cognito', async () => {
    frontend.failJwksWith = 503;
    await exchangeDuringOutage();
  });

  it('answers 503 as well when the Frontend API refuses connections', async () => {
    await frontend.stop();
    await exchangeDuringOutage();
    expect(app.output()).toContain('corbado_jwks_unavailable');
  });
});

describe('without a Corbado project or webhook credentials', () => {
  let embedded: TestApp;
  beforeAll(async () => {
    embedded = await startTestApp();
  });
  afterAll(async () => {
    await embedded?.stop();
  });

  it('answers POST /api/auth/session with 404 corbado_disabled, before looking at any token', async () => {
    const calls = await cognitoCallsDuring(embedded, async () => {
      const response = await new CookieJar().fetch(`${embedded.baseUrl}/api/auth/session`, {
        method: 'POST',
        headers: { authorization: 'Bearer whatever' },
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 'corbado_disabled', message: expect.any(String) } });
    });
    expect(calls).toEqual({});
  });

  it('answers the webhook with 404 webhook_disabled, whatever credentials are sent', async () => {
    const response = await fetch(`${embedded.baseUrl}/api/corbado/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      body: '{}',
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'webhook_disabled', message: expect.any(String) } });
  });
});
