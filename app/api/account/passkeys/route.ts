import { cookies, headers } from 'next/headers';
import { z } from 'zod';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';
import { listPasskeys, summarize } from '@/lib/layers/self-hosted/credentials';
import { requireRoute } from '@/lib/layers';
import { finishPasskeyRegistration, webauthnResponseField } from '@/lib/layers/self-hosted/webauthn';
import { requireSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

const NewPasskey = z.object({
  response: webauthnResponseField,
  /** A name that is not a string was never refused: the passkey is named as if none was sent. */
  name: z.string().optional().catch(undefined),
});

/** GET: the signed-in user's passkeys (names and dates, no key material). */
export const GET = handleErrors(async () => {
  requireRoute('passkey-account');
  const user = await requireSession();
  return jsonResponse({ passkeys: (await listPasskeys(user.sub)).map(summarize) });
});

/**
 * POST {response, name?}: registers the new passkey the browser created. Without a name it is
 * named after its provider (the AAGUID), else after the browser and system that made it.
 */
export const POST = handleErrors(async (request: Request) => {
  requireRoute('passkey-account');
  const user = await requireSession({ recentSignIn: true });
  const body = await readBody(request, NewPasskey, 32 * 1024);
  const userAgent = (await headers()).get('user-agent');
  const passkey = await finishPasskeyRegistration(await cookies(), user, body.response, body.name, userAgent);
  return jsonResponse({ passkey: summarize(passkey) }, 201);
});
