import { randomBytes } from 'node:crypto';
import { getConfig } from '../config';
import { passkeyLayer } from '../layers';

/**
 * The security headers every answer gets (docs/SECURITY.md); middleware.ts sets them on all of
 * them. A Content-Security-Policy with a per-response nonce (pages render per request, so every
 * page carries its own); no framing; HSTS on an https origin in production; and no caching,
 * since pages carry a nonce and session data.
 *
 * scripts/next-server.mjs answers the methods Next never sees (TRACE, …) with the same fixed
 * headers and a CSP that allows nothing: it runs before Next, as plain JavaScript.
 */

/** The policy for one response, with a fresh nonce unless one is given. */
export function contentSecurityPolicy(nonce = randomBytes(16).toString('base64')): string {
  const config = getConfig();
  const https = config.appOrigin.startsWith('https:');
  // The passkey layer's components may need more (lib/layers/*/layer.ts).
  const sources = passkeyLayer(config).csp;
  const extra = (sources: readonly string[] = []) => sources.map((source) => ` ${source}`).join('');
  // `next dev` evaluates code (React's call stacks, fast refresh) and injects styles inline.
  const development = !config.production;
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    // A nonce in style-src would make browsers ignore 'unsafe-inline', so it goes without one when inline styles are needed.
    `style-src 'self' ${sources ? sources.styles.join(' ') : development ? "'unsafe-inline'" : `'nonce-${nonce}'`}`,
    `img-src 'self' data: blob:${extra(sources?.connect)}`,
    `font-src 'self'${extra(sources?.fonts)}`,
    `connect-src 'self'${extra(sources?.connect)}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ['upgrade-insecure-requests'] : []),
  ];
  return directives.join('; ');
}

export function securityHeaders(csp: string): Record<string, string> {
  const { production, appOrigin } = getConfig();
  return {
    'content-security-policy': csp,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    ...(production && appOrigin.startsWith('https:')
      ? { 'strict-transport-security': 'max-age=63072000; includeSubDomains' }
      : {}),
    // Pages carry a per-request nonce and who is signed in; API answers carry session data.
    'cache-control': 'no-store',
  };
}

export function withSecurityHeaders<R extends Response>(response: R, csp: string): R {
  for (const [name, value] of Object.entries(securityHeaders(csp))) response.headers.set(name, value);
  return response;
}
