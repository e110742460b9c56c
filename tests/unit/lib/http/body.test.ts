import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import { parseBody } from '@/lib/http/body';
import { readBody } from '@/lib/http/respond';

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new Request('https://app.example/api/x', { method: 'POST', body, headers });

/** The AppError a call throws (or a failed expectation when it throws none, or another error). */
function refusal(call: () => unknown): AppError {
  let thrown: unknown = null;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AppError);
  return thrown as AppError;
}

async function asyncRefusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** Two fields, each with its own message: name is listed (so reported) first. */
const Sign = z.object({
  name: z.string({ error: 'Enter a name.' }).refine((name) => name.trim().length > 0, { error: 'Enter a name.' }),
  count: z.number({ error: 'count must be a number.' }).int({ error: 'count must be whole.' }),
});

describe('parseBody', () => {
  it('returns the parsed value, without keys the schema does not name', () => {
    expect(parseBody(Sign, { name: 'x', count: 2, extra: { deep: [1] } })).toEqual({
      name: 'x',
      count: 2,
    });
  });

  it.each([
    ['a missing field', { count: 1 }, 'Enter a name.'],
    ['null', { name: null, count: 1 }, 'Enter a name.'],
    ['a number', { name: 7, count: 1 }, 'Enter a name.'],
    ['an array', { name: ['x'], count: 1 }, 'Enter a name.'],
    ['an object', { name: { x: 1 }, count: 1 }, 'Enter a name.'],
    ['a blank string (the refinement)', { name: ' \t', count: 1 }, 'Enter a name.'],
    ['a string where a number goes', { name: 'x', count: '1' }, 'count must be a number.'],
    ['a second check of the same field', { name: 'x', count: 1.5 }, 'count must be whole.'],
  ])('refuses %s with the field’s own message, as invalid_request', (_case, body, message) => {
    const error = refusal(() => parseBody(Sign, body));
    expect(error.code).toBe('invalid_request');
    expect(error.userMessage).toBe(message);
  });

  it('reports the first field of the schema when several fail, whatever the body’s key order', () => {
    expect(refusal(() => parseBody(Sign, { count: 'x', name: 1 })).userMessage).toBe('Enter a name.');
    expect(refusal(() => parseBody(Sign, {})).userMessage).toBe('Enter a name.');
    const reversed = z.object({ count: Sign.shape.count, name: Sign.shape.name });
    expect(refusal(() => parseBody(reversed, { name: 1 })).userMessage).toBe('count must be a number.');
  });

  it('reports a nested field’s message, after the fields listed before it', () => {
    const Nested = z.object({
      id: z.string({ error: 'id must be a string.' }),
      data: z.object(
        { user: z.string({ error: 'data.user must be a string.' }) },
        { error: 'data must be an object.' },
      ),
    });
    expect(refusal(() => parseBody(Nested, { id: 'a', data: [] })).userMessage).toBe('data must be an object.');
    expect(refusal(() => parseBody(Nested, { id: 'a', data: null })).userMessage).toBe('data must be an object.');
    expect(refusal(() => parseBody(Nested, { id: 'a', data: {} })).userMessage).toBe('data.user must be a string.');
    expect(refusal(() => parseBody(Nested, { data: {} })).userMessage).toBe('id must be a string.');
  });

  it('names the field, in its own words, when a schema sets no message', () => {
    const Bare = z.object({ data: z.object({ size: z.number() }) });
    expect(refusal(() => parseBody(Bare, { data: { size: 'big' } })).userMessage).toBe('data.size is not valid.');
    expect(refusal(() => parseBody(z.number(), 'x')).userMessage).toBe('The request body is not valid.');
  });

  it('lets a field fall back quietly where a wrong value was never refused', () => {
    const Optional = z.object({ label: z.string().optional().catch(undefined) });
    expect(parseBody(Optional, { label: 5 })).toEqual({ label: undefined });
    expect(parseBody(Optional, {})).toEqual({});
    expect(parseBody(Optional, { label: 'x' })).toEqual({ label: 'x' });
  });
});

describe('readBody', () => {
  it('reads, parses and types the body', async () => {
    const body: { name: string; count: number } = await readBody(post('{"count":1,"name":"n","x":0}'), Sign);
    expect(body).toEqual({ name: 'n', count: 1 });
  });

  it('keeps readJsonObject’s guards, before the schema', async () => {
    const unsupported = await asyncRefusal(readBody(post('{}', { 'content-type': 'text/plain' }), Sign));
    expect(unsupported.code).toBe('unsupported_media_type');
    expect((await asyncRefusal(readBody(post(`{"name":"${'x'.repeat(64)}"}`), Sign, 32))).code).toBe(
      'payload_too_large',
    );
    expect((await asyncRefusal(readBody(post('{"name":'), Sign))).userMessage).toBe(
      'The request body is not valid JSON.',
    );
    for (const text of ['[]', 'null', '"x"', '1']) {
      expect((await asyncRefusal(readBody(post(text), Sign))).userMessage).toBe(
        'The request body must be a JSON object.',
      );
    }
    const deep = `{"name":${'['.repeat(40)}${']'.repeat(40)}}`;
    expect((await asyncRefusal(readBody(post(deep), Sign))).userMessage).toBe(
      'The request body is nested more than 32 levels deep.',
    );
  });

  it('maps a schema failure to invalid_request', async () => {
    const error = await asyncRefusal(readBody(post('{"name":"n","count":true}'), Sign));
    expect([error.code, error.userMessage]).toEqual(['invalid_request', 'count must be a number.']);
  });
});
