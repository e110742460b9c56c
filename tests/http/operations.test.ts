import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

/** Operations: request ids, the audit trail, and logs that never hold a secret. */
let app: TestApp;
const email = 'ops@example.com';
const password = 'Correct-horse-8-ops';

beforeAll(async () => {
  app = await startTestApp();
  await addPasswordUser(app, email, password);
});
afterAll(() => app?.stop());

interface LogLine {
  level: string;
  event: string;
  requestId?: string;
  audit?: boolean;
  [field: string]: unknown;
}

function logLines(): LogLine[] {
  return app
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{"time"'))
    .map((line) => JSON.parse(line) as LogLine);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids and the audit trail', () => {
  it('gives every response a fresh request id and never echoes the client one', async () => {
    const forged = '00000000-0000-4000-8000-000000000000';
    const first = await fetch(`${app.baseUrl}/api/health`, { headers: { 'x-request-id': forged } });
    const second = await fetch(`${app.baseUrl}/api/auth/me`);
    const ids = [first.headers.get('x-request-id'), second.headers.get('x-request-id')];
    for (const id of ids) expect(id).toMatch(UUID);
    expect(ids[0]).not.toBe(forged);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('records sign-in, failed sign-in and sign-out as audit lines carrying the request id', async () => {
    const jar = new CookieJar();
    const failed = await jar.fetch(`${app.baseUrl}/api/auth/password`, jsonPost({ email, password: 'Wrong-horse-1' }));
    const signedIn = await jar.fetch(`${app.baseUrl}/api/auth/password`, jsonPost({ email, password }));
    const signedOut = await jar.fetch(`${app.baseUrl}/api/auth/logout`, { method: 'POST' });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const audit = logLines().filter((line) => line.audit);
    const byRequest = (response: Response) =>
      audit.filter((line) => line.requestId === response.headers.get('x-request-id'));
    expect(byRequest(failed)).toEqual([
      expect.objectContaining({ event: 'sign_in_failed', method: 'password', reason: 'invalid_credentials' }),
    ]);
    expect(byRequest(signedIn)).toEqual([
      expect.objectContaining({ event: 'sign_in', method: 'password', sub: expect.any(String) }),
    ]);
    expect(byRequest(signedOut)).toEqual([expect.objectContaining({ event: 'sign_out', revoked: true })]);
  });

  it('never writes a password, token, cookie or secret to the log', async () => {
    const jar = new CookieJar();
    await jar.fetch(`${app.baseUrl}/api/auth/password`, jsonPost({ email, password }));
    await jar.fetch(`${app.baseUrl}/api/auth/password`, jsonPost({ email, password: 'Another-wrong-9' }));
    await jar.fetch(`${app.baseUrl}/api/auth/logout`, { method: 'POST' });
    const output = app.output();
    expect(output).not.toContain(password);
    expect(output).not.toContain('Another-wrong-9');
    expect(output).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}\./); // no JWT
    expect(output).not.toContain('Fe26.2*'); // no sealed cookie
    expect(output).not.toContain(app.env.SESSION_SECRET);
    expect(output).not.toContain(app.env.COGNITO_CLIENT_SECRET);
    expect(output).not.toContain('PRIVATE KEY');
  });
});
