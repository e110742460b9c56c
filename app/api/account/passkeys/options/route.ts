import { cookies } from 'next/headers';
import { handleErrors, jsonResponse } from '@/lib/http/respond';
import { requireRoute } from '@/lib/layers';
import { startPasskeyRegistration } from '@/lib/layers/self-hosted/webauthn';
import { requireSession, writeCookies } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/** POST: options to add a passkey to the signed-in account (needs a sign-in within 5 minutes). */
export const POST = handleErrors(async () => {
  requireRoute('passkey-account');
  const user = await requireSession({ recentSignIn: true });
  const { options, cookie } = await startPasskeyRegistration(await cookies(), user);
  await writeCookies([cookie]);
  return jsonResponse({ options });
});
