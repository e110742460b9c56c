/**
 * What `npm run dev` does between Next saying "Ready" and the launcher giving the address: it
 * asks the dev server once for what a newcomer's first clicks need (the login page and its
 * scripts, the middleware, the email-code and passkey routes, the account page and its routes),
 * so that each is compiled before anyone clicks. Without this the first "Email me a code" waited
 * 11 s on a quiet machine and 19 s on a busy one (issue 14), and the first "Create a passkey"
 * about 10 s (issue 26; figures in docs/BENCHMARKS.md, "First run").
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

/** The public routes behind the README's first clicks, in the order they come. */
export const WARM_UP_REQUESTS: WarmUpRequest[] = [
  { path: '/login', method: 'GET' },
  { path: '/', method: 'GET' },
  { path: '/api/passkeys/sign-in/options', method: 'POST' },
  { path: '/api/auth/email-code', method: 'POST' },
  { path: '/api/auth/email-code/verify', method: 'POST' },
];

/**
 * The routes compiled without being called, as files of app/ without the extension: the account
 * page and every route a person's click reaches after the first screen (create, rename and delete
 * a passkey, "Not now", the password form, sign-out, the account page's session check, Corbado's
 * sign-ins), which middleware.ts answers for without a session before Next compiles them (a
 * redirect to /login, a 401), or which an empty request would log as a failed sign-in. Next's
 * Turbopack dev server takes a request for `/_next/static/chunks/pages/<entry>.js` as "compile
 * this entry" (hot-reloader-turbopack.js, `ensurePage`), whatever it then answers (a 404 here):
 * no session, no request reaches the route itself.
 */
export const COMPILE_ONLY_ENTRIES = [
  'account/page',
  'api/account/passkeys/options/route',
  'api/account/passkeys/route',
  'api/account/passkeys/[id]/route',
  'api/account/passkey-offer/route',
  'api/passkeys/sign-in/route',
  'api/auth/password/route',
  'api/auth/logout/route',
  'api/auth/me/route',
  'api/auth/session/route',
  'api/corbado/connect/sign-in/route',
  'api/corbado/connect/tokens/route',
  // Cognito's own passkeys (PASSKEY_LAYER=cognito-native): sign-in, email code, the account's passkeys.
  'api/auth/native/passkey/options/route',
  'api/auth/native/passkey/route',
  'api/auth/native/email-code/route',
  'api/auth/native/email-code/verify/route',
  'api/account/native-passkeys/route',
  'api/account/native-passkeys/options/route',
  'api/account/native-passkeys/[id]/route',
  '_not-found/page',
];

/** Left to compile on first use: nobody waits on them (Corbado's calls to the app, the probes). */
export const NOT_WARMED = [
  'api/corbado/webhook/route',
  'api/corbado/connect/actions/pre-login/route',
  'api/corbado/connect/actions/post-append/route',
  'api/health/route',
  'api/health/live/route',
];

export const entryCompileRequest = (entry: string) => `/_next/static/chunks/pages/${entry}.js`;

/** The page's own scripts (`/_next/static/...`), which the dev server compiles on request. */
export function scriptsOf(html: string): string[] {
  return [
    ...new Set([...html.matchAll(/<script[^>]+src="(\/_next\/static\/[^"]+)"/g)].map((match) => match[1] as string)),
  ];
}

/**
 * Requests each route once (and the login page's scripts), then compiles each entry, one at a
 * time: on two cores, parallel compiles only slow each other down. A route that fails to answer
 * is left to compile on first use; the dev server prints its own error then.
 */
export async function warmUp(origin: string, timeoutMs = 5 * 60_000): Promise<void> {
  const drain = (response: Response | undefined) => response?.arrayBuffer().catch(() => undefined);
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
        await drain(
          await fetch(new URL(script, origin), { signal: AbortSignal.timeout(timeoutMs) }).catch(() => undefined),
        );
      }
    }
  }
  for (const entry of COMPILE_ONLY_ENTRIES) {
    await drain(
      await fetch(new URL(entryCompileRequest(entry), origin), { signal: AbortSignal.timeout(timeoutMs) }).catch(
        () => undefined,
      ),
    );
  }
}
