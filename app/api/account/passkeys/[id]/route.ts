import { audit } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { handleErrors, jsonResponse, readJsonObject } from '@/lib/http/respond';
import { deletePasskey, renamePasskey } from '@/lib/passkeys/credentials';
import { requireEmbeddedPasskeyLayer } from '@/lib/passkeys/mode';
import { passkeyName } from '@/lib/passkeys/webauthn';
import { requireRecentSignIn, requireUser } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

/** PATCH {name}: renames one of the user's passkeys. */
export const PATCH = handleErrors(async (request: Request, { params }: Context) => {
  requireEmbeddedPasskeyLayer();
  const user = await requireUser();
  const { id } = await params;
  const body = await readJsonObject(request);
  if (typeof body.name !== 'string' || !body.name.trim()) throw new AppError('invalid_request', 'Enter a name.');
  const name = passkeyName(body.name);
  if (!(await renamePasskey(user.sub, id, name))) throw new AppError('not_found');
  return jsonResponse({ id, name });
});

/** DELETE: removes one of the user's passkeys (needs a sign-in within 5 minutes). */
export const DELETE = handleErrors(async (_request: Request, { params }: Context) => {
  requireEmbeddedPasskeyLayer();
  const user = await requireRecentSignIn();
  const { id } = await params;
  if (!(await deletePasskey(user.sub, id))) throw new AppError('not_found');
  audit('passkey_removed', { sub: user.sub, passkeyId: id });
  return jsonResponse({ deleted: true });
});
