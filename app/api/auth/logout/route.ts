import { cookies } from 'next/headers';
import { signOut } from '@/lib/sign-in/pipeline';
import { handleErrors, jsonResponse } from '@/lib/http/respond';
import { writeCookies } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/** POST: revokes the session's tokens at Cognito and clears the cookies. */
export const POST = handleErrors(async () => {
  const result = await signOut(await cookies());
  await writeCookies(result.cookies);
  return jsonResponse({ signedOut: true, revoked: result.revoked });
});
