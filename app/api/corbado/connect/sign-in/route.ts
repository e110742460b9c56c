import { cookies } from 'next/headers';
import { z } from 'zod';
import { signInWithSignedPasskeyData } from '@/lib/layers/corbado-connect/sign-in';
import { clientAddress } from '@/lib/http/client-address';
import { keptForRetry } from '@/lib/sign-in/retry-route';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';
import { replaceSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

const ConnectSignIn = z.object({
  /**
   * Any JSON (or none): a proof that is not a well-formed JWT is refused as
   * `connect_passkey_invalid` and audited as a failed sign-in (lib/layers/corbado-connect/sign-in.ts),
   * and a retry after Cognito's quota held the sign-in back uses the kept proof instead.
   */
  signedPasskeyData: z.unknown().optional(),
});

/** POST {signedPasskeyData}: Corbado Connect's login proof → the app's session cookies. */
export const POST = handleErrors(async (request: Request) => {
  const { signedPasskeyData } = await readBody(request, ConnectSignIn, 16 * 1024);
  const { user, cookies: sessionCookies } = await signInWithSignedPasskeyData(
    await cookies(),
    signedPasskeyData,
    clientAddress(request.headers),
  ).catch(keptForRetry);
  await replaceSession(sessionCookies);
  return jsonResponse({ user: { email: user.email, sub: user.sub, method: user.method } });
});
