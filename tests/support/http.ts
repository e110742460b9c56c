import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { ListUsersCommand, type UserType } from '@aws-sdk/client-cognito-identity-provider';
import { expect } from 'vitest';
import type { TestCognito } from './stack';

/** Shared by the resilience, fuzz and load tests: answers, the outbox, the pool, raw requests. */

export const SESSION_COOKIE_NAMES = ['__Host-session', '__Host-session-access', '__Host-session-refresh'];

/** The session cookies a response sets with a value (clearing ones, Max-Age=0, are not counted). */
export function sessionCookiesSet(response: Response): string[] {
  return response.headers
    .getSetCookie()
    .filter((line) => !/max-age=0/i.test(line))
    .map((line) => line.slice(0, line.indexOf('=')))
    .filter((name) => SESSION_COOKIE_NAMES.includes(name));
}

/** The session cookies a response clears. */
export function sessionCookiesCleared(response: Response): string[] {
  return response.headers
    .getSetCookie()
    .filter((line) => /max-age=0/i.test(line))
    .map((line) => line.slice(0, line.indexOf('=')))
    .filter((name) => SESSION_COOKIE_NAMES.includes(name));
}

/** Text that must never reach a client: stacks, SDK and Cognito error names and messages, paths. */
export const INTERNALS =
  /Exception|Rate exceeded|Internal server error|at [\w.<>]+ \(|node_modules|\/work\/|ECONN|ETIMEDOUT|SQLITE|SqliteError|TypeError|smithy|cognito-local|socket hang up/i;

/** A JSON error answer `{error: {code, message}}` with a short message and nothing internal in it. */
export async function expectShortError(response: Response, code?: string): Promise<{ code: string; message: string }> {
  const text = await response.text();
  expect(text).not.toMatch(INTERNALS);
  const body = JSON.parse(text) as { error: { code: string; message: string }; retry?: true };
  // `retry: true` marks a 503 the browser retries on its own (Cognito's quota held it back).
  const retry = body.retry === undefined ? {} : { retry: true };
  expect(body).toEqual({ error: { code: code ?? expect.any(String), message: expect.any(String) }, ...retry });
  expect(body.error.message.length).toBeLessThan(200);
  return body.error;
}

/** A protected page that cannot be served now: a short HTML page for a person, nothing internal. */
export async function expectErrorPage(response: Response): Promise<void> {
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  const html = await response.text();
  expect(html).not.toMatch(INTERNALS);
  expect(html).toContain('<h1>Sign-in is temporarily unavailable. Try again in a moment.</h1>');
  expect(html.length).toBeLessThan(1_000);
}

/** 503 upstream_unavailable with a Retry-After, a short message, and no session cookie set. */
export async function expectServiceUnavailable(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(sessionCookiesSet(response)).toEqual([]);
  await expectShortError(response, 'upstream_unavailable');
}

interface OutboxMessage {
  to: string;
  subject: string;
  text: string;
}

export function outbox(dataDir: string): OutboxMessage[] {
  const file = path.join(dataDir, 'outbox.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as OutboxMessage);
}

/** The last one-time code the local outbox holds for `email`. */
export function latestCodeFor(dataDir: string, email: string): string {
  const message = outbox(dataDir)
    .filter((m) => m.to === email)
    .at(-1);
  const code = message && /^Your sign-in code: (\d+)$/.exec(message.subject)?.[1];
  if (!code) throw new Error(`no code for ${email} in the outbox`);
  return code;
}

export async function allUsers(stack: TestCognito): Promise<UserType[]> {
  const { Users = [] } = await stack.sdk.send(new ListUsersCommand({ UserPoolId: stack.cognito.userPoolId }));
  return Users;
}

export async function usersWithEmail(stack: TestCognito, email: string): Promise<UserType[]> {
  const { Users = [] } = await stack.sdk.send(
    new ListUsersCommand({ UserPoolId: stack.cognito.userPoolId, Filter: `email = "${email}"` }),
  );
  return Users;
}

/** The Cognito operations (by name) that reached the emulator while `run` ran, faulted or not. */
export async function arrivalsDuring(stack: TestCognito, run: () => Promise<unknown>): Promise<Record<string, number>> {
  const startedAt = Date.now();
  await run();
  const made: Record<string, number> = {};
  for (const { operation } of stack.cognito.faults.arrivals().filter((arrival) => arrival.at >= startedAt)) {
    made[operation] = (made[operation] ?? 0) + 1;
  }
  return made;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** A loopback address of its own (127.0.0.0/8 all reaches the loopback interface), so per-address limits see a distinct client. */
  from?: string;
}

/**
 * A request through node:http rather than fetch: it can send any Content-Type, a body with a
 * lying Content-Length or none, and pick its source address. Answers as a fetch Response.
 */
export function rawRequest(
  url: string,
  { method = 'POST', headers = {}, body, from }: RawRequest = {},
): Promise<Response> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method,
        ...(from ? { localAddress: from } : {}),
        headers: { host: target.host, ...headers },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            for (const item of [value ?? []].flat()) answer.append(name, item);
          }
          const status = incoming.statusCode ?? 500;
          const nullBody = status === 204 || status === 304 || method === 'HEAD';
          resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers: answer }));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

let lastAddress = 0;
/**
 * A fresh loopback client address for each call (127.1.x.y for the calling test file's own
 * `block`), so the per-address rate limits of one test do not spill into the next.
 */
export function clientAddressFactory(block: number): () => string {
  return () => {
    lastAddress += 1;
    return `127.${block}.${Math.floor(lastAddress / 250) % 250}.${(lastAddress % 250) + 1}`;
  };
}

/** POST /api/auth/email-code for `email`, as a browser on the app's page at client address `from`. */
export function requestEmailCode(baseUrl: string, email: string, from: string): Promise<Response> {
  return rawRequest(`${baseUrl}/api/auth/email-code`, {
    from,
    headers: { 'content-type': 'application/json', origin: baseUrl },
    body: JSON.stringify({ email }),
  });
}
