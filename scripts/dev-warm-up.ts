/**
 * What `npm run dev` does between Next saying "Ready" and the launcher giving the address: it
 * asks the dev server once for what a newcomer's first clicks need (the login page and its
 * scripts, the middleware, the email-code and passkey routes), so that each is compiled before
 * anyone clicks. Without this the first "Email me a code" waited 11 s on a quiet machine and
 * 19 s on a busy one (issue 14; figures in docs/BENCHMARKS.md, "First run").
 *
 * Every request is harmless: the POSTs carry an empty body the route refuses with 400 before it
 * does anything (no code sent, no rate limit counted), except the passkey sign-in options, which
 * the login page itself asks for on every load.
 */

/** A request that compiles one route. */
interface WarmUpRequest {
  path: string;
  method: 'GET' | 'POST';
}

/**
 * The routes behind the README's first clicks, in the order they come. The protected ones
 * (`/account`, `/api/account/*`) cannot be reached without a session: middleware.ts answers for
 * them before Next compiles them, so they compile on first use (quickly, once the shared modules
 * above are compiled).
 */
export const WARM_UP_REQUESTS: WarmUpRequest[] = [
  { path: '/login', method: 'GET' },
  { path: '/api/passkeys/sign-in/options', method: 'POST' },
  { path: '/api/auth/email-code', method: 'POST' },
  { path: '/api/auth/email-code/verify', method: 'POST' },
];

/** The page's own scripts (`/_next/static/...`), which the dev server compiles on request. */
export function scriptsOf(html: string): string[] {
  return [
    ...new Set([...html.matchAll(/<script[^>]+src="(\/_next\/static\/[^"]+)"/g)].map((match) => match[1] as string)),
  ];
}

/**
 * Requests each route once (and the login page's scripts), one at a time: on two cores, parallel
 * compiles only slow each other down. A route that fails to answer is left to compile on first
 * use; the dev server prints its own error then.
 */
export async function warmUp(origin: string, timeoutMs = 5 * 60_000): Promise<void> {
  for (const { path, method } of WARM_UP_REQUESTS) {
    const response = await fetch(new URL(path, origin), {
      method,
      redirect: 'manual',
      headers: method === 'POST' ? { origin, 'content-type': 'application/json' } : {},
      body: method === 'POST' ? '{}' : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    }).catch(() => undefined);
    const text = (await response?.text().catch(() => '')) ?? '';
    if (path === '/login') {
      for (const script of scriptsOf(text)) {
        await fetch(new URL(script, origin), { signal: AbortSignal.timeout(timeoutMs) })
          .then((answer) => answer.arrayBuffer())
          .catch(() => undefined);
      }
    }
  }
}
