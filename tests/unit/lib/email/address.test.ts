import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emailField, normalizeEmail } from '@/lib/email/address';

describe('normalizeEmail', () => {
  it.each([
    ['alice@example.com', 'alice@example.com'],
    ['  alice@example.com  ', 'alice@example.com'],
    ['\talice@example.com\n', 'alice@example.com'],
    ['Alice.Smith@Example.COM', 'alice.smith@example.com'],
    ['ALICE+passkeys@sub.example.co.uk', 'alice+passkeys@sub.example.co.uk'],
    ["o'brien_x-y@my-domain.example", "o'brien_x-y@my-domain.example"],
  ])('accepts %j as %j (trimmed and lower-cased)', (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });

  it.each([
    ['a NUL byte', 'alice\u0000@example.com'],
    ['a bell character', 'alice\u0007@example.com'],
    ['a DEL character', 'alice@example.com\u007f'],
    ['a vertical tab inside', 'alice\u000b@example.com'],
    ['a CR/LF header injection', 'alice@example.com\r\nBcc: victim@example.net'],
    ['a bare LF header injection', 'alice@example.com\nBcc: victim@example.net'],
    ['a space in the local part', 'alice smith@example.com'],
    ['a space in the domain', 'alice@exa mple.com'],
    ['a no-break space inside', 'alice\u00a0@example.com'],
    ['a Cyrillic homoglyph in the domain', 'alice@ex\u0430mple.com'],
    ['a Greek homoglyph in the domain', 'alice@\u03bfpenai.example'],
    ['a full-width at sign', 'alice\uff20example.com'],
    ['the Kelvin sign (which lower-cases to an ASCII k)', 'alice@\u212aorp.example'],
    ['the dotted capital I (which lower-cases to i + combining dot)', 'alice@\u0130nc.example'],
    ['a homoglyph in the local part', '\u0430lice@example.com'],
    ['no @', 'alice.example.com'],
    ['two @', 'alice@evil.example@example.com'],
    ['an empty local part', '@example.com'],
    ['an empty domain', 'alice@'],
    ['a domain without a dot', 'alice@localhost'],
    ['a domain label starting with a hyphen', 'alice@-example.com'],
    ['a domain with an empty label', 'alice@example..com'],
    ['a quoted local part', '"alice"@example.com'],
    ['angle brackets', '<alice@example.com>'],
    ['a comma-separated list', 'alice@example.com,bob@example.com'],
    ['an empty string', ''],
    ['only whitespace', '   '],
  ])('rejects %s', (_what, input) => {
    expect(normalizeEmail(input)).toBeNull();
  });

  it('accepts an address of exactly 254 characters', () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(63)}.com`;
    expect(email).toHaveLength(254);
    expect(normalizeEmail(email)).toBe(email);
  });

  it('rejects an address longer than 254 characters', () => {
    const email = `${'a'.repeat(65)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(63)}.com`;
    expect(email).toHaveLength(255);
    expect(normalizeEmail(email)).toBeNull();
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an array', ['alice@example.com']],
    ['an object', { email: 'alice@example.com' }],
  ])('rejects a non-string (%s)', (_what, input) => {
    expect(normalizeEmail(input)).toBeNull();
  });
});

describe('emailField', () => {
  it.each([
    ['alice@example.com', 'alice@example.com'],
    ['  Alice.Smith@Example.COM\n', 'alice.smith@example.com'],
  ])('parses %j to the canonical %j', (input, expected) => {
    expect(emailField.parse(input)).toBe(expected);
  });

  it.each([
    ['a missing field', undefined],
    ['null', null],
    ['a number', 42],
    ['an array', ['alice@example.com']],
    ['an object', { email: 'alice@example.com' }],
    ['an empty string', ''],
    ['no @', 'alice.example.com'],
    ['a header injection', 'alice@example.com\r\nBcc: victim@example.net'],
    ['an overlong address', `${'a'.repeat(250)}@example.com`],
  ])('refuses %s with the one message', (_case, input) => {
    const issues = emailField.safeParse(input).error?.issues ?? [];
    expect(issues.map((issue) => issue.message)).toEqual(['Enter a valid email address.']);
  });
});

describe('emailField and normalizeEmail', () => {
  it('agree on every value: the same canonical email, or the one refusal', () => {
    const emailish = fc.oneof(
      fc.emailAddress(),
      fc.emailAddress().map((email) => ` ${email.toUpperCase()}\t`),
      fc.string(),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(emailish, (input) => {
        const parsed = emailField.safeParse(input);
        const normalized = normalizeEmail(input);
        if (normalized === null) {
          expect(parsed.error?.issues.map((issue) => issue.message)).toEqual(['Enter a valid email address.']);
        } else {
          expect(parsed.data).toBe(normalized);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
