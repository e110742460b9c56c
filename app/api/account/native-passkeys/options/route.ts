import { cookies } from 'next/headers';
import { handleErrors, jsonResponse } from '@/lib/http/respond';
import { requireRoute } from '@/lib/layers';
import { startNativePasskeyRegistration } from '@/lib/layers/cognito-native/passkeys';
import { requireSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/** POST: Cognito's options to add a passkey to the signed-in account (needs a sign-in within 5 minutes). */
export const POST = handleErrors(async () => {
  await requireSession({ recentSignIn: true });
  requireRoute('native-passkey-account');
  return jsonResponse({ options: await startNativePasskeyRegistration(await cookies()) });
});
