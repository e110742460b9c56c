import { afterEach, describe, expect, it, vi } from 'vitest';
import { withEnvironment } from '../../../support/app-environment';

/**
 * The policy middleware.ts puts on every answer, checked without a server: the HTTP suites
 * (tests/security/) check that every answer carries it.
 */

/** What a deployed production app needs beyond the base configuration. */
const DEPLOYED = {
  REDIS_URL: 'redis://redis.internal:6379',
  SMTP_URL: 'smtp://mail.internal:587',
};

/** lib/http/security-headers.ts over a fresh getConfig() of this environment. */
async function headersModule(nodeEnv: 'development' | 'production', env: Record<string, string> = {}) {
  vi.stubEnv('NODE_ENV', nodeEnv);
  withEnvironment({ ...DEPLOYED, ...env });
  return import('@/lib/http/security-headers');
}

afterEach(() => vi.unstubAllEnvs());

const directive = (csp: string, name: string) => csp.split('; ').find((part) => part.startsWith(`${name} `));

describe('contentSecurityPolicy', () => {
  it('gives each answer its own nonce, for scripts only from this origin and that nonce', async () => {
    const { contentSecurityPolicy } = await headersModule('development');
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
    const { contentSecurityPolicy, securityHeaders } = await headersModule('production');
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
    const { contentSecurityPolicy } = await headersModule('development', {
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
