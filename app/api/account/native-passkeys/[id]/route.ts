import { cookies } from 'next/headers';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';
import { requireRoute } from '@/lib/layers';
import { deleteNativePasskey, renameNativePasskey } from '@/lib/layers/cognito-native/passkeys';
import { passkeyName } from '@/lib/layers/passkey-names';
import { requireSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

const ENTER_A_NAME = 'Enter a name.';
const Rename = z.object({
  name: z.string({ error: ENTER_A_NAME }).refine((name) => name.trim().length > 0, { error: ENTER_A_NAME }),
});

/** A credential id as Cognito lists them (base64url); anything else names no passkey. */
async function credentialIdFrom(params: Context['params']): Promise<string> {
  const { id } = await params;
  if (!/^[\w-]{1,1024}$/.test(id)) throw new AppError('not_found');
  return id;
}

/** PATCH {name}: our own name for one of the user's passkeys (Cognito has no rename call). */
export const PATCH = handleErrors(async (request: Request, { params }: Context) => {
  const user = await requireSession();
  requireRoute('native-passkey-account');
  const id = await credentialIdFrom(params);
  const name = passkeyName((await readBody(request, Rename)).name);
  if (!(await renameNativePasskey(await cookies(), user, id, name))) throw new AppError('not_found');
  return jsonResponse({ id, name });
});

/** DELETE: removes one of the user's passkeys at Cognito (needs a sign-in within 5 minutes). */
export const DELETE = handleErrors(async (_request: Request, { params }: Context) => {
  const user = await requireSession({ recentSignIn: true });
  requireRoute('native-passkey-account');
  const id = await credentialIdFrom(params);
  if (!(await deleteNativePasskey(await cookies(), user, id))) throw new AppError('not_found');
  return jsonResponse({ deleted: true });
});
