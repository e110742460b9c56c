import { cookies } from 'next/headers';
import { signInWithSignedPasskeyData } from '@/lib/corbado/connect/sign-in';
import { keptForRetry } from '@/lib/auth/sign-in-retry-route';
import { handleErrors, jsonResponse, readJsonObject } from '@/lib/http/respond';
import { replaceSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

/** POST {signedPasskeyData}: Corbado Connect's login proof → the app's session cookies. */
export const POST = handleErrors(async (request: Request) => {
  const body = await readJsonObject(request, 16 * 1024);
  const { user, cookies: sessionCookies } = await signInWithSignedPasskeyData(
    await cookies(),
    body.signedPasskeyData,
  ).catch(keptForRetry);
  await replaceSession(sessionCookies);
  return jsonResponse({ user: { email: user.email, sub: user.sub, method: user.method } });
});
