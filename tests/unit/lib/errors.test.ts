import { describe, expect, it } from 'vitest';
import { AppError, ERRORS, type ErrorCode } from '@/lib/errors';

const CODES = Object.keys(ERRORS) as ErrorCode[];

describe('ERRORS', () => {
  it.each(CODES)('%s has an HTTP error status and a sentence for the user', (code) => {
    const { status, message } = ERRORS[code];
    expect(Number.isInteger(status) && status >= 400 && status <= 599).toBe(true);
    expect(message).toMatch(/^[A-Z].*[.)]$/);
    // Never an internal name (an AWS exception, a stack) in what a user reads.
    expect(message).not.toMatch(/Exception|Error|undefined|\bat \w+ \(/);
  });

  it('gives the codes clients branch on the statuses they expect', () => {
    expect(ERRORS.invalid_request.status).toBe(400);
    expect(ERRORS.invalid_credentials.status).toBe(401);
    expect(ERRORS.cross_site.status).toBe(403);
    expect(ERRORS.payload_too_large.status).toBe(413);
    expect(ERRORS.unsupported_media_type.status).toBe(415);
    expect(ERRORS.rate_limited.status).toBe(429);
    expect(ERRORS.internal.status).toBe(500);
    expect(ERRORS.upstream_unavailable.status).toBe(503);
  });

  it('says the same for a wrong email as for a wrong password (no account enumeration)', () => {
    expect(ERRORS.invalid_credentials.message).toBe('The email or password is incorrect.');
  });
});

describe('AppError', () => {
  it("carries the code, the code's status and its default message", () => {
    const error = new AppError('rate_limited');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AppError');
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(error.userMessage).toBe(ERRORS.rate_limited.message);
    expect(error.message).toBe(`rate_limited: ${ERRORS.rate_limited.message}`);
    expect(error.retryAfterSeconds).toBeUndefined();
  });

  it('takes a more specific message, the retry delay and the cause', () => {
    const cause = new Error('ThrottlingException: Rate exceeded');
    const error = new AppError('upstream_unavailable', 'Try again soon.', { cause, retryAfterSeconds: 7 });
    expect(error.userMessage).toBe('Try again soon.');
    expect(error.retryAfterSeconds).toBe(7);
    expect(error.cause).toBe(cause);
    expect(error.status).toBe(503);
  });

  it('keeps the cause out of the user message', () => {
    const error = new AppError('internal', undefined, { cause: new Error('secret stack detail') });
    expect(error.userMessage).toBe(ERRORS.internal.message);
    expect(error.message).not.toContain('secret stack detail');
  });
});
