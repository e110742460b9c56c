import { describe, expect, it } from 'vitest';
import { PostAppendBody, PreLoginBody } from '@/lib/layers/corbado-connect/actions';
import { AppError } from '@/lib/errors';
import { parseBody } from '@/lib/http/body';

/** The message parseBody refuses `body` with (invalid_request), or the parsed body. */
function parse(schema: typeof PreLoginBody | typeof PostAppendBody, body: unknown): unknown {
  try {
    return parseBody(schema, body);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'invalid_request') throw error;
    return error.userMessage;
  }
}

const IDENTIFIER = 'identifier must be a non-empty string of at most 320 characters.';
const USERNAME = 'username must be the Cognito username (1 to 128 visible characters).';
const CREDENTIAL_ID = 'credentialId must be the base64url credential id.';

describe('PreLoginBody', () => {
  it('takes the identifier as typed (normalized later), without other keys', () => {
    expect(parse(PreLoginBody, { identifier: ' Alice@Example.com ', other: 1 })).toEqual({
      identifier: ' Alice@Example.com ',
    });
    expect(parse(PreLoginBody, { identifier: 'i'.repeat(320) })).toEqual({ identifier: 'i'.repeat(320) });
  });

  it.each([
    [{}],
    [{ identifier: '' }],
    [{ identifier: 'i'.repeat(321) }],
    [{ identifier: null }],
    [{ identifier: ['a'] }],
  ])('refuses %j', (body) => {
    expect(parse(PreLoginBody, body)).toBe(IDENTIFIER);
  });
});

describe('PostAppendBody', () => {
  it('takes a username of visible characters and a base64url credential id', () => {
    const body = { username: 'ab12-cd34_É', credentialId: 'AbC-_09', extra: true };
    expect(parse(PostAppendBody, body)).toEqual({ username: 'ab12-cd34_É', credentialId: 'AbC-_09' });
  });

  it.each([
    [{ credentialId: 'abc' }, USERNAME],
    [{ username: '', credentialId: 'abc' }, USERNAME],
    [{ username: 'a b', credentialId: 'abc' }, USERNAME],
    [{ username: 'u'.repeat(129), credentialId: 'abc' }, USERNAME],
    [{ username: 42, credentialId: 'abc' }, USERNAME],
    [{ username: 'alice' }, CREDENTIAL_ID],
    [{ username: 'alice', credentialId: 'a+b/c=' }, CREDENTIAL_ID],
    [{ username: 'alice', credentialId: 'c'.repeat(1367) }, CREDENTIAL_ID],
    [{ username: 'alice', credentialId: ['abc'] }, CREDENTIAL_ID],
    // Both wrong: the username was always checked first.
    [{ username: null, credentialId: null }, USERNAME],
    [{ credentialId: null, username: null }, USERNAME],
  ])('refuses %j', (body, message) => {
    expect(parse(PostAppendBody, body)).toBe(message);
  });
});
