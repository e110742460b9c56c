import { cookies, headers } from 'next/headers';
import { z } from 'zod';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';
import { requireRoute } from '@/lib/layers';
import { finishNativePasskeyRegistration, listNativePasskeys } from '@/lib/layers/cognito-native/passkeys';
import { requireSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

const NewPasskey = z.object({ response: z.unknown().optional() });

/** GET: the signed-in user's passkeys at Cognito, with provider, created and last used where known. */
export const GET = handleErrors(async () => {
  const user = await requireSession();
  requireRoute('native-passkey-account');
  return jsonResponse({ passkeys: await listNativePasskeys(await cookies(), user) });
});

/** POST {response}: registers the browser's new passkey at Cognito (needs a sign-in within 5 minutes). */
export const POST = handleErrors(async (request: Request) => {
  const user = await requireSession({ recentSignIn: true });
  requireRoute('native-passkey-account');
  const { response } = await readBody(request, NewPasskey, 32 * 1024);
  const userAgent = (await headers()).get('user-agent');
  const passkey = await finishNativePasskeyRegistration(await cookies(), user, response, userAgent);
  return jsonResponse({ passkey }, 201);
});
