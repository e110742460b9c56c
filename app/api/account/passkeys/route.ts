import { cookies, headers } from 'next/headers';
import { handleErrors, jsonResponse, readJsonObject } from '@/lib/http/respond';
import { listPasskeys, summarize } from '@/lib/passkeys/credentials';
import { requireEmbeddedPasskeyLayer } from '@/lib/passkeys/mode';
import { finishPasskeyRegistration } from '@/lib/passkeys/webauthn';
import { requireRecentSignIn, requireUser } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/** GET: the signed-in user's passkeys (names and dates, no key material). */
export const GET = handleErrors(async () => {
  requireEmbeddedPasskeyLayer();
  const user = await requireUser();
  return jsonResponse({ passkeys: (await listPasskeys(user.sub)).map(summarize) });
});

/**
 * POST {response, name?}: registers the new passkey the browser created. Without a name it is
 * named after its provider (the AAGUID), else after the browser and system that made it.
 */
export const POST = handleErrors(async (request: Request) => {
  requireEmbeddedPasskeyLayer();
  const user = await requireRecentSignIn();
  const body = await readJsonObject(request, 32 * 1024);
  const userAgent = (await headers()).get('user-agent');
  const passkey = await finishPasskeyRegistration(await cookies(), user, body.response, body.name, userAgent);
  return jsonResponse({ passkey: summarize(passkey) }, 201);
});
