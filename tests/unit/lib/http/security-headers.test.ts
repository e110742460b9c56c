import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The policy middleware.ts puts on every answer, checked without a server: the HTTP suites
 * (tests/security/) check that every answer carries it.
 */

/** A configuration of a deployed app (a real pool, Redis), for the cases to change. */
const DEPLOYED = {
  APP_ORIGIN: 'https://app.example.com',
  COGNITO_USER_POOL_ID: 'eu-central-1_AbCdEf123',
  COGNITO_CLIENT_ID: '1h2k3l4m5n6o7p8q9r0s1t2u3v',
  SESSION_SECRET: 'session-secret-A-0123456789abcdefghijklmnop',
  REDIS_URL: 'redis://redis.internal:6379',
  SINGLE_INSTANCE: '1',
  SMTP_URL: 'smtp://mail.internal:587',
  AUTH_CHALLENGE_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
};

/** lib/http/security-headers.ts over a fresh getConfig() of this environment. */
async function headersModule(env: Record<string, string>) {
  for (const [name, value] of Object.entries({ ...DEPLOYED, ...env })) vi.stubEnv(name, value);
  vi.resetModules();
  return import('@/lib/http/security-headers');
}

afterEach(() => vi.unstubAllEnvs());

const directive = (csp: string, name: string) => csp.split('; ').find((part) => part.startsWith(`${name} `));

describe('contentSecurityPolicy', () => {
  it('gives each answer its own nonce, for scripts only from this origin and that nonce', async () => {
    const { contentSecurityPolicy } = await headersModule({ NODE_ENV: 'development' });
    const [a, b] = [contentSecurityPolicy(), contentSecurityPolicy()];
    const nonceOf = (csp: string) => /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    expect(nonceOf(a)).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(nonceOf(a)).not.toBe(nonceOf(b));
    expect(directive(contentSecurityPolicy('fixed'), 'script-src')).toBe(
      "script-src 'self' 'nonce-fixed' 'strict-dynamic' 'unsafe-eval'",
    );
    for (const part of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"]) {
      expect(a.split('; ')).toContain(part);
    }
  });

  it('in production: no eval, inline styles only with the nonce, and HTTPS upgrades on an https origin', async () => {
    const { contentSecurityPolicy, securityHeaders } = await headersModule({
      NODE_ENV: 'production',
    });
    const csp = contentSecurityPolicy('n0nce');
    expect(directive(csp, 'script-src')).toBe("script-src 'self' 'nonce-n0nce' 'strict-dynamic'");
    expect(directive(csp, 'style-src')).toBe("style-src 'self' 'nonce-n0nce'");
    expect(csp.endsWith('upgrade-insecure-requests')).toBe(true);
    expect(securityHeaders(csp)).toMatchObject({
      'content-security-policy': csp,
      'x-frame-options': 'DENY',
      'strict-transport-security': 'max-age=63072000; includeSubDomains',
      'cache-control': 'no-store',
    });
  });

  it("with Corbado Connect: its Frontend API may be called, Google's fonts stay blocked", async () => {
    const { contentSecurityPolicy } = await headersModule({
      NODE_ENV: 'development',
      CORBADO_PROJECT_ID: 'pro-1234567890',
      CORBADO_API_SECRET: 'corbado1_0123456789abcdefghijklmnopqrstuv',
      CORBADO_FRONTEND_API_URL_SUFFIX: 'frontendapi.cloud.corbado.io',
    });
    const csp = contentSecurityPolicy('n');
    expect(directive(csp, 'connect-src')).toBe(
      "connect-src 'self' https://pro-1234567890.frontendapi.cloud.corbado.io",
    );
    expect(directive(csp, 'style-src')).toBe("style-src 'self' 'unsafe-inline'");
    expect(csp).not.toContain('fonts.g');
  });
});
