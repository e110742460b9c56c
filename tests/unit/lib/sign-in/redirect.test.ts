import { describe, expect, it } from 'vitest';
import { DEFAULT_AFTER_SIGN_IN, safeNextPath } from '@/lib/sign-in/redirect';

const ORIGIN = 'https://app.example';

/** What a browser does with the value in a Location header on a page of this origin. */
function resolvesToSameOrigin(path: string): boolean {
  return new URL(path, `${ORIGIN}/some/page?q=1`).origin === ORIGIN;
}

describe('safeNextPath', () => {
  it('falls back to /account by default', () => {
    expect(DEFAULT_AFTER_SIGN_IN).toBe('/account');
  });

  it.each([
    ['a protocol-relative URL', '//evil.example'],
    ['a protocol-relative URL with a path', '//evil.example/account'],
    ['an absolute https URL', 'https://evil.example'],
    ['an absolute http URL', 'http://evil.example/account'],
    ['a backslash after the slash', '/\\evil.example'],
    ['a backslash before the slash', '\\/evil.example'],
    ['two backslashes', '\\\\evil.example'],
    ['a backslash deeper in the path', '/account\\..\\\\evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a tab inside a protocol-relative URL', '/\t/evil.example'],
    ['a newline inside a protocol-relative URL', '/\n/evil.example'],
    ['a carriage return inside a protocol-relative URL', '/\r/evil.example'],
    ['a NUL character', '/account\u0000'],
    ['a DEL character', '/account\u007f'],
    ['a dot segment that collapses into a protocol-relative URL', '/.//evil.example'],
    ['a dot-dot segment that collapses into a protocol-relative URL', '/a/..//evil.example'],
    ['an encoded dot segment that collapses into a protocol-relative URL', '/%2e//evil.example'],
    ['an encoded dot-dot segment that collapses into a protocol-relative URL', '/x/%2E%2E//evil.example'],
    ['a relative path without a leading slash', 'account'],
    ['a scheme-less host', 'evil.example/account'],
    ['the login page', '/login'],
    ['the login page with its own next (a loop)', '/login?next=%2Flogin%3Fnext%3D%252Faccount'],
    ['the login page with a hash', '/login#top'],
    ['the login page reached through a dot segment', '/account/../login'],
    ['an empty string', ''],
  ])('rejects %s', (_what, next) => {
    expect(safeNextPath(next)).toBe('/account');
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an array of paths', ['/account/settings']],
    ['an object', { toString: () => '/account/settings' }],
  ])('rejects a non-string (%s)', (_what, next) => {
    expect(safeNextPath(next)).toBe('/account');
  });

  it('rejects a 3000-character path', () => {
    expect(safeNextPath(`/${'a'.repeat(2999)}`)).toBe('/account');
  });

  it('accepts a path of exactly 2048 characters', () => {
    const path = `/${'a'.repeat(2047)}`;
    expect(safeNextPath(path)).toBe(path);
  });

  it.each([
    ['/account', '/account'],
    ['/account/settings', '/account/settings'],
    ['/account?tab=passkeys', '/account?tab=passkeys'],
    ['/account?tab=passkeys#add', '/account?tab=passkeys#add'],
    ['/docs/page#section-2', '/docs/page#section-2'],
    ['/search?q=a%2Fb&x=1', '/search?q=a%2Fb&x=1'],
    ['/login-help', '/login-help'],
    ['/account?next=/login', '/account?next=/login'],
  ])('keeps the good relative path %s with its query and hash', (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  it('keeps an encoded double slash as a same-origin path', () => {
    const result = safeNextPath('/%2F%2Fevil.example');
    expect(result === '/account' || result === '/%2F%2Fevil.example').toBe(true);
    expect(result.startsWith('//')).toBe(false);
    expect(resolvesToSameOrigin(result)).toBe(true);
    expect(new URL(result, ORIGIN).pathname).toBe(result);
  });

  it('normalizes dot segments instead of passing them through', () => {
    expect(safeNextPath('/account/./settings/../passkeys')).toBe('/account/passkeys');
  });

  describe('on random inputs (seeded)', () => {
    // mulberry32: small, deterministic, good enough to shuffle tokens.
    function prng(seed: number): () => number {
      let a = seed >>> 0;
      return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }
    const TOKENS = [
      '/',
      '/',
      '/',
      '//',
      '\\',
      '.',
      '..',
      '%2e',
      '%2E%2E',
      '%2F',
      '%5C',
      '%00',
      ':',
      '@',
      '?',
      '#',
      '&',
      'evil.example',
      'app.example',
      'login',
      'account',
      'https:',
      'http:',
      'javascript:',
      'data:',
      'x',
      '\t',
      '\n',
      '\r',
      ' ',
      '\u0000',
      '\u00a0',
      '\u2028',
      '\u3002',
      '\uff0f',
      '\uff3c',
      '\u2215',
      'é',
    ];
    const random = prng(0x5eed);
    const inputs: string[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const parts: string[] = random() < 0.85 ? ['/'] : [];
      const count = 1 + Math.floor(random() * 8);
      for (let j = 0; j < count; j += 1) parts.push(TOKENS[Math.floor(random() * TOKENS.length)]!);
      inputs.push(parts.join(''));
    }

    it('answers either /account or a single-slash path that resolves to the same origin, for every input', () => {
      const bad = inputs
        .map((input) => ({ input, result: safeNextPath(input) }))
        .filter(
          ({ result }) =>
            result !== '/account' &&
            !(
              result.startsWith('/') &&
              !result.startsWith('//') &&
              !result.includes('\\') &&
              resolvesToSameOrigin(result)
            ),
        );
      expect(bad).toEqual([]);
    });

    it('is stable: a result fed back in comes out unchanged', () => {
      const unstable = inputs.map((input) => safeNextPath(input)).filter((result) => safeNextPath(result) !== result);
      expect(unstable).toEqual([]);
    });

    it('lets some random paths through (the generator exercises the accepting branch)', () => {
      expect(inputs.filter((input) => safeNextPath(input) !== '/account').length).toBeGreaterThan(1000);
    });
  });
});
