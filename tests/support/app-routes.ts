import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The app's pages and route handlers, read from app/, and the list of those that serve no
 * user's data and so need no session. Every other one must call requireSession()
 * (tests/unit/app/data-access-layer.test.ts) and is attacked without one by
 * tests/security/gate-bypass.test.ts. A new public route goes on this list on purpose, with
 * the reason.
 */
export const PUBLIC_ROUTES: Record<string, string> = {
  'app/page.tsx': 'redirects to /account or /login, and shows nothing',
  'app/login/page.tsx': 'the sign-in page',
  'app/api/health/route.ts': 'health of the dependencies, for the load balancer',
  'app/api/health/live/route.ts': 'liveness, for the load balancer',
  'app/api/auth/password/route.ts': 'signs in',
  'app/api/auth/email-code/route.ts': 'sends a sign-in code',
  'app/api/auth/email-code/verify/route.ts': 'signs in with the code',
  'app/api/auth/session/route.ts': 'signs in with a Corbado session token',
  'app/api/auth/logout/route.ts': 'ends whatever session the cookies hold; answers the same without one',
  'app/api/passkeys/sign-in/options/route.ts': 'passkey sign-in, first step',
  'app/api/passkeys/sign-in/route.ts': 'passkey sign-in, second step',
  'app/api/auth/native/passkey/options/route.ts': "Cognito's passkey sign-in, first step",
  'app/api/auth/native/passkey/route.ts': "Cognito's passkey sign-in, second step",
  'app/api/auth/native/email-code/route.ts': 'asks Cognito to send a sign-in code',
  'app/api/auth/native/email-code/verify/route.ts': "signs in with Cognito's code",
  'app/api/corbado/connect/sign-in/route.ts': 'signs in with a Corbado Connect result',
  'app/api/corbado/webhook/route.ts': "Corbado's servers, with the webhook's basic auth instead of a session",
  'app/api/corbado/connect/actions/pre-login/route.ts':
    "Corbado's servers, with the actions secret instead of a session",
  'app/api/corbado/connect/actions/post-append/route.ts':
    "Corbado's servers, with the actions secret instead of a session",
};

export const ROOT = path.resolve(import.meta.dirname, '../..');

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`],
  );
}

/** Every `app/**\/page.tsx` and `app/**\/route.ts`, as paths from the repository root. */
export function appRouteFiles(): string[] {
  return filesUnder('app')
    .filter((file) => /\/(page\.tsx|route\.ts)$/.test(file))
    .sort();
}

/** Every module under app/ and lib/ that declares server actions ('use server'). */
export function serverActionFiles(): string[] {
  return [...filesUnder('app'), ...filesUnder('lib')]
    .filter((file) => /\.tsx?$/.test(file))
    .filter((file) => /^\s*['"]use server['"]/m.test(readFileSync(path.join(ROOT, file), 'utf8')))
    .sort();
}

/** The URL path a page or route file serves: `app/api/account/passkeys/[id]/route.ts` → `/api/account/passkeys/[id]`. */
export function urlPathOf(file: string): string {
  const dir = path.posix.dirname(file).replace(/^app/, '');
  return dir.replace(/\/\([^/]+\)/g, '') || '/';
}

export const protectedRouteFiles = () => appRouteFiles().filter((file) => !(file in PUBLIC_ROUTES));
