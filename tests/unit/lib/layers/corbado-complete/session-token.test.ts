import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestFrontendApi, type TestFrontendApi } from '../../../../support/corbado-frontend-api';
import { withEnvironment } from '../../../../support/app-environment';

/**
 * verifyCorbadoSessionToken with the real @corbado/node-sdk against a local JWKS (jose keys
 * served by tests/support/corbado-frontend-api.ts): no app server, a few ms per token.
 */

let api: TestFrontendApi;
beforeAll(async () => {
  api = await startTestFrontendApi();
});
afterAll(() => api.stop());
beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
  vi.spyOn(console, 'log').mockImplementation(() => {});
  return () => vi.restoreAllMocks();
});

/** The module over a Corbado Complete project whose Frontend API is `frontendApi`: a fresh SDK, an empty JWKS cache. */
async function sessionTokenModule(frontendApi = api.origin) {
  withEnvironment({
    CORBADO_MODE: 'complete',
    CORBADO_PROJECT_ID: 'pro-1234567890',
    CORBADO_API_SECRET: 'corbado1_abcdefghijklmnopqrstuvwxyz',
    CORBADO_FRONTEND_API: frontendApi,
  });
  const [tokens, errors] = await Promise.all([
    import('@/lib/layers/corbado-complete/session-token'),
    import('@/lib/errors'),
  ]);
  /** The error code the check throws for `token`, or the identity it returns. */
  const outcome = async (token: string | null | undefined) => {
    try {
      return await tokens.verifyCorbadoSessionToken(token);
    } catch (error) {
      if (!(error instanceof errors.AppError)) throw error;
      return error.code;
    }
  };
  return { ...tokens, outcome };
}

describe('verifyCorbadoSessionToken', () => {
  let outcome: Awaited<ReturnType<typeof sessionTokenModule>>['outcome'];
  beforeAll(async () => {
    ({ outcome } = await sessionTokenModule());
  });

  it("returns the token's user and its email, normalized", async () => {
    const token = await api.sessionToken({ sub: 'usr-42', email: '  Passkey.User@Example.COM ' });
    expect(await outcome(token)).toEqual({ userId: 'usr-42', email: 'passkey.user@example.com' });
  });

  it.each([
    ['no token', null],
    ['undefined', undefined],
    ['an empty token', ''],
  ])('refuses %s without asking the SDK', async (_what, token) => {
    const downloads = api.jwksRequests();
    expect(await outcome(token)).toBe('corbado_session_invalid');
    expect(api.jwksRequests()).toBe(downloads);
  });

  it('refuses a token over 8 KB before parsing it', async () => {
    const token = await api.sessionToken({ name: 'x'.repeat(8 * 1024) });
    expect(token.length).toBeGreaterThan(8 * 1024);
    expect(await outcome(token)).toBe('corbado_session_invalid');
  });

  it.each([
    ['signed by a key the project does not publish', () => api.sessionToken({}, { key: api.strangerKey })],
    [
      'signed by a stranger key under an unknown kid',
      () => api.sessionToken({}, { key: api.strangerKey, kid: 'other' }),
    ],
    ['expired a minute ago', () => api.sessionToken({ exp: Math.floor(Date.now() / 1000) - 60 })],
    ['not valid before an hour from now', () => api.sessionToken({ nbf: Math.floor(Date.now() / 1000) + 3600 })],
    ['from another issuer', () => api.sessionToken({ iss: 'https://pro-999.frontendapi.cloud.corbado.io' })],
    ['without an issuer', () => api.sessionToken({ iss: undefined })],
    ['without sub', () => api.sessionToken({ sub: undefined })],
    ['with an empty sub', () => api.sessionToken({ sub: '' })],
    ['without exp', () => api.sessionToken({ exp: undefined })],
    ['without an email', () => api.sessionToken({ email: undefined })],
    ['with an email that is not one', () => api.sessionToken({ email: 'not-an-email' })],
    ['with a header-injecting email', () => api.sessionToken({ email: 'a@example.com\r\nBcc: b@example.net' })],
    ['with a homoglyph email', () => api.sessionToken({ email: 'a@ex\u0430mple.com' })],
    ['with an email that is a list', () => api.sessionToken({ email: ['a@example.com'] })],
    ['with its signature cut', async () => (await api.sessionToken()).slice(0, -4)],
    [
      'with its payload swapped for another user',
      async () => {
        const [header, , signature] = (await api.sessionToken()).split('.');
        const payload = (await api.sessionToken({ sub: 'usr-666' })).split('.')[1];
        return `${header}.${payload}.${signature}`;
      },
    ],
    [
      'unsigned (alg none)',
      async () => {
        const [, payload] = (await api.sessionToken()).split('.');
        return `${Buffer.from('{"alg":"none","kid":"test-project-key"}').toString('base64url')}.${payload}.`;
      },
    ],
    ['that is not a JWT', async () => 'not.a.jwt'],
  ])('refuses a token %s', async (_what, make) => {
    expect(await outcome(await make())).toBe('corbado_session_invalid');
  });
});

describe("verifyCorbadoSessionToken when Corbado's keys cannot be fetched", () => {
  it('answers 503 (upstream_unavailable) while the JWKS download fails, and accepts the token once it works', async () => {
    const { outcome } = await sessionTokenModule();
    const token = await api.sessionToken();
    api.failJwksWith = 503;
    try {
      expect(await outcome(token)).toBe('upstream_unavailable');
    } finally {
      api.failJwksWith = null;
    }
    expect(await outcome(token)).toMatchObject({ userId: 'usr-1000000000000000001' });
  });

  it('answers 503 when nothing listens at the Frontend API', async () => {
    const gone = await startTestFrontendApi();
    await gone.stop();
    const { outcome } = await sessionTokenModule(gone.origin);
    expect(await outcome(await api.sessionToken({ iss: gone.origin }))).toBe('upstream_unavailable');
  });
});

describe('corbadoTokenFrom', () => {
  let corbadoTokenFrom: Awaited<ReturnType<typeof sessionTokenModule>>['corbadoTokenFrom'];
  beforeAll(async () => {
    ({ corbadoTokenFrom } = await sessionTokenModule());
  });
  const headers = (authorization?: string) => new Headers(authorization === undefined ? {} : { authorization });

  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['Bearer    abc.def.ghi  ', 'abc.def.ghi'],
  ])('takes the token from Authorization %j', (authorization, expected) => {
    expect(corbadoTokenFrom(headers(authorization), { value: 'cookie-token' })).toBe(expected);
  });

  it.each([['Basic dXNlcjpwYXNz'], ['Bearer'], ['Bearer '], ['Bearer a b'], ['Bearerabc'], ['abc.def.ghi']])(
    'takes nothing, not even the cookie, from a malformed Authorization %j',
    (authorization) => {
      expect(corbadoTokenFrom(headers(authorization), { value: 'cookie-token' })).toBeNull();
    },
  );

  it("falls back to Corbado's cookie without an Authorization header", () => {
    expect(corbadoTokenFrom(headers(), { value: 'cookie-token' })).toBe('cookie-token');
    expect(corbadoTokenFrom(headers(), { value: '' })).toBeNull();
    expect(corbadoTokenFrom(headers(), undefined)).toBeNull();
  });
});
