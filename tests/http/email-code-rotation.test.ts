import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCodeFor, requestEmailCode } from '../support/http';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import {
  startNextServer,
  startOnFreePort,
  startTestCognito,
  type NextServer,
  type TestCognito,
} from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * An email code across the SESSION_SECRET rotation of docs/DEPLOYMENT.md, over HTTP against the
 * production server: the code is asked for, the server restarts with the secrets of another
 * step (as each instance of a rolling deployment does), and the code typed in then signs in.
 */

const A = 'http-rotation-secret-A-0123456789abcdefghijk';
const B = 'http-rotation-secret-B-0123456789abcdefghijk';
const step1 = { SESSION_SECRET: A, SESSION_SECRET_NEXT: B };
const step2 = { SESSION_SECRET: B, SESSION_SECRET_PREVIOUS: A };

let stack: TestCognito;
let server: NextServer | undefined;
let users = 0;

beforeAll(async () => {
  stack = await startTestCognito();
});
afterAll(async () => {
  await server?.stop();
  await stack?.stop();
});

/**
 * Stops the server, if one runs, and starts it again on the same data with `secrets` (on a port
 * of its own: the one it freed may be another test's by now).
 */
async function restartWith(secrets: Record<string, string>): Promise<string> {
  await server?.stop();
  server = await startOnFreePort((port) =>
    startNextServer(port, { ...stack.env, APP_ORIGIN: `http://localhost:${port}`, ...secrets }),
  );
  return server.baseUrl;
}

/** A password user of the pool, and the email code the server at `baseUrl` sent them. */
async function codeFrom(baseUrl: string): Promise<{ email: string; code: string }> {
  const email = `rotation-${++users}@example.com`;
  await addPasswordUser(stack, email, 'Rotation-passw0rd');
  expect((await requestEmailCode(baseUrl, email, '127.0.0.1')).status).toBe(202);
  return { email, code: latestCodeFor(stack.dataDir, email) };
}

/** Types the code in on the server at `baseUrl`: its answer, and who /api/auth/me then says is signed in. */
async function typeIn(baseUrl: string, { email, code }: { email: string; code: string }) {
  const jar = new CookieJar();
  const verify = await jar.fetch(`${baseUrl}/api/auth/email-code/verify`, jsonPost({ email, code }));
  const me = await jar.fetch(`${baseUrl}/api/auth/me`);
  return { status: verify.status, me: me.status === 200 ? ((await me.json()) as { email: string }).email : null };
}

// Two server starts per case: 20-27 s each on a loaded two-core machine.
const RESTARTS_TIMEOUT_MS = 120_000;

describe('an email code across a SESSION_SECRET rotation', () => {
  it(
    'asked for before the rotation, signs in on the server restarted into step 2',
    async () => {
      const sent = await codeFrom(await restartWith({ SESSION_SECRET: A }));
      const baseUrl = await restartWith(step2);
      expect(await typeIn(baseUrl, sent)).toEqual({ status: 200, me: sent.email });
      // Still single use after the restart.
      expect((await typeIn(baseUrl, sent)).status).toBe(401);
    },
    RESTARTS_TIMEOUT_MS,
  );

  it(
    'asked for on a step-2 server, signs in on a step-1 server (one not yet rolled, or rolled back)',
    async () => {
      const sent = await codeFrom(await restartWith(step2));
      expect(await typeIn(await restartWith(step1), sent)).toEqual({ status: 200, me: sent.email });
    },
    RESTARTS_TIMEOUT_MS,
  );

  it(
    'asked for before the rotation, is refused once the old secret is retired at once',
    async () => {
      const sent = await codeFrom(await restartWith({ SESSION_SECRET: A }));
      expect(await typeIn(await restartWith({ SESSION_SECRET: B }), sent)).toEqual({ status: 401, me: null });
    },
    RESTARTS_TIMEOUT_MS,
  );
});
