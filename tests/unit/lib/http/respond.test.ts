import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError, ERRORS } from '@/lib/errors';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  MAX_JSON_DEPTH,
  errorResponse,
  handleErrors,
  jsonResponse,
  readJsonObject,
  responseForError,
} from '@/lib/http/respond';

// responseForError logs what it hides from the client; keep the test output clean.
beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const post = (body: BodyInit | null, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new Request('https://app.example/api/x', { method: 'POST', body, headers });

/** A body sent in chunks with no Content-Length, as a chunked upload arrives. */
function streamed(chunks: string[]): Request {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
  return new Request('https://app.example/api/x', {
    method: 'POST',
    body: stream,
    headers: { 'content-type': 'application/json' },
    duplex: 'half',
  } as RequestInit);
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; userMessage: string }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let level = 1; level < depth; level += 1) value = { child: value };
  return { top: value };
};

describe('jsonResponse and errorResponse', () => {
  it('answers JSON that no cache keeps', async () => {
    const response = jsonResponse({ ok: true }, 201, { 'x-extra': '1' });
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-extra')).toBe('1');
    expect(await response.json()).toEqual({ ok: true });
  });

  it("gives an error the code's status and message", async () => {
    const response = errorResponse('cross_site');
    expect(response.status).toBe(403);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await response.json()).toEqual({ error: { code: 'cross_site', message: ERRORS.cross_site.message } });
  });

  it('tells every 503 when to try again, by default after DEFAULT_RETRY_AFTER_SECONDS', () => {
    expect(errorResponse('upstream_unavailable').headers.get('retry-after')).toBe(String(DEFAULT_RETRY_AFTER_SECONDS));
    expect(errorResponse('upstream_unavailable', undefined, 30).headers.get('retry-after')).toBe('30');
  });

  it('gives a 429 the delay it is given, and none by default', () => {
    expect(errorResponse('rate_limited', undefined, 42).headers.get('retry-after')).toBe('42');
    expect(errorResponse('rate_limited').headers.get('retry-after')).toBeNull();
  });
});

describe('responseForError', () => {
  it('answers an AppError with its code, its message and its Retry-After', async () => {
    const response = responseForError(new AppError('rate_limited', 'Slow down.', { retryAfterSeconds: 9 }));
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('9');
    expect(await response.json()).toEqual({ error: { code: 'rate_limited', message: 'Slow down.' } });
  });

  it.each([
    [
      'a database error',
      Object.assign(new Error('UNIQUE constraint failed: passkeys.id'), { code: 'SQLITE_CONSTRAINT' }),
    ],
    ['a numeric code', Object.assign(new Error('x'), { code: 5 })],
    [
      'a TypeError with internals in its message',
      new TypeError("Cannot read properties of undefined (reading 'secretKey')"),
    ],
    ['a thrown string', 'token=eyJhbGciOi...'],
    ['null', null],
    ['undefined', undefined],
  ])('answers %s with a bare 500 that tells nothing of it', async (_what, thrown) => {
    const response = responseForError(thrown);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: ERRORS.internal.message } });
    expect(text).not.toMatch(/SQLITE|secretKey|eyJ|constraint/i);
  });
});

describe('handleErrors', () => {
  it("passes the handler's answer and its arguments through", async () => {
    const route = handleErrors(async (request: Request, context: { id: string }) =>
      jsonResponse({ path: new URL(request.url).pathname, id: context.id }),
    );
    const response = await route(post('{}'), { id: 'ctx-1' });
    expect(await response.json()).toEqual({ path: '/api/x', id: 'ctx-1' });
  });

  it('maps what the handler throws, synchronously or not, to an answer', async () => {
    const failing = handleErrors(async (_request: Request) => {
      throw new AppError('not_found');
    });
    expect((await failing(post('{}'))).status).toBe(404);
    const crashing = handleErrors((_request: Request) => {
      throw new Error('boom');
    });
    expect((await crashing(post('{}'))).status).toBe(500);
  });
});

describe('readJsonObject', () => {
  it('reads a JSON object', async () => {
    expect(await readJsonObject(post(JSON.stringify({ email: 'a@example.com', n: 1 })))).toEqual({
      email: 'a@example.com',
      n: 1,
    });
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    'application/json ;charset=UTF-8',
  ])('accepts Content-Type %j', async (type) => {
    expect(await readJsonObject(post('{"a":1}', { 'content-type': type }))).toEqual({ a: 1 });
  });

  it.each([
    ['no Content-Type', undefined],
    ['text/plain (a CORS-simple form post)', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['a look-alike type', 'application/jsonp'],
    ['a type with json as a suffix', 'application/vnd.evil+json'],
    ['json later in the value', 'text/plain; application/json'],
  ])('refuses %s with 415', async (_what, type) => {
    const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
    expect((await refusal(readJsonObject(post('{"a":1}', headers)))).code).toBe('unsupported_media_type');
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    const request = post('{}', { 'content-type': 'application/json', 'content-length': String(8 * 1024 + 1) });
    expect((await refusal(readJsonObject(request))).code).toBe('payload_too_large');
    expect(request.bodyUsed).toBe(false);
  });

  it('accepts a body of exactly the limit and refuses one byte more', async () => {
    const body = (size: number) => JSON.stringify({ pad: 'x'.repeat(size - '{"pad":""}'.length) });
    expect(body(64)).toHaveLength(64);
    expect(await readJsonObject(post(body(64)), 64)).toEqual({ pad: 'x'.repeat(54) });
    expect((await refusal(readJsonObject(post(body(65)), 64))).code).toBe('payload_too_large');
  });

  it('counts bytes, not characters: multi-byte text cannot slip past the limit', async () => {
    const text = JSON.stringify({ pad: '\u20ac'.repeat(30) }); // 40 characters, 100 bytes
    expect(text.length).toBeLessThanOrEqual(64);
    expect((await refusal(readJsonObject(post(text), 64))).code).toBe('payload_too_large');
  });

  it('refuses an oversized streamed body that declares no length', async () => {
    const request = streamed(['{"pad":"', 'x'.repeat(6000), 'x'.repeat(6000), '"}']);
    expect(request.headers.get('content-length')).toBeNull();
    expect((await refusal(readJsonObject(request))).code).toBe('payload_too_large');
  });

  it('reads a streamed body that stays under the limit, split inside a multi-byte character', async () => {
    const bytes = new TextEncoder().encode('{"name":"\u20ac"}');
    const split = bytes.indexOf(0xe2) + 1;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split));
        controller.enqueue(bytes.slice(split));
        controller.close();
      },
    });
    const request = new Request('https://app.example/', {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(await readJsonObject(request)).toEqual({ name: '\u20ac' });
  });

  it.each([
    ['an empty body', ''],
    ['malformed JSON', '{"a":'],
    ['a trailing comma', '{"a":1,}'],
    ['single quotes', "{'a':1}"],
  ])('refuses %s as not valid JSON', async (_what, body) => {
    const error = await refusal(readJsonObject(post(body)));
    expect(error.code).toBe('invalid_request');
    expect(error.userMessage).toBe('The request body is not valid JSON.');
  });

  it.each([
    ['an array', '[{"a":1}]'],
    ['null', 'null'],
    ['a string', '"{}"'],
    ['a number', '42'],
    ['true', 'true'],
  ])('refuses %s as not an object', async (_what, body) => {
    const error = await refusal(readJsonObject(post(body)));
    expect(error.code).toBe('invalid_request');
    expect(error.userMessage).toBe('The request body must be a JSON object.');
  });

  it(`accepts nesting of exactly ${MAX_JSON_DEPTH} levels and refuses one more`, async () => {
    expect(await readJsonObject(post(JSON.stringify(nested(MAX_JSON_DEPTH))))).toEqual(nested(MAX_JSON_DEPTH));
    const error = await refusal(readJsonObject(post(JSON.stringify(nested(MAX_JSON_DEPTH + 1)))));
    expect(error.userMessage).toMatch(/nested more than 32 levels/);
  });

  it('counts arrays as levels too', async () => {
    const deepArrays = `{"a":${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}`;
    expect((await refusal(readJsonObject(post(deepArrays)))).code).toBe('invalid_request');
  });

  it('refuses 5,000 levels in a small body without overflowing the stack', async () => {
    const body = `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect(body.length).toBeLessThan(16 * 1024);
    const error = await refusal(readJsonObject(post(body), 16 * 1024));
    expect(error.userMessage).toMatch(/nested more than/);
  });
});
