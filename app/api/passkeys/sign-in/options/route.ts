import { cookies } from 'next/headers';
import { clientAddress } from '@/lib/http/client-address';
import { handleErrors, jsonResponse } from '@/lib/http/respond';
import { requireRoute } from '@/lib/layers';
import { startPasskeySignIn } from '@/lib/layers/self-hosted/webauthn';
import { enforceRateLimits } from '@/lib/rate-limit';
import { writeCookies } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

const CEREMONIES_PER_ADDRESS = { name: 'passkey-ceremony:address', limit: 60, windowSeconds: 60 };

/** POST: options for a passkey sign-in (button or autofill), bound to this browser. */
export const POST = handleErrors(async (request: Request) => {
  requireRoute('passkey-sign-in');
  await enforceRateLimits([{ rule: CEREMONIES_PER_ADDRESS, key: clientAddress(request.headers) }]);
  const { options, cookie } = await startPasskeySignIn(await cookies());
  await writeCookies([cookie]);
  return jsonResponse({ options });
});
