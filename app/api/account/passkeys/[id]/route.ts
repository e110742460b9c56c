import { z } from 'zod';
import { audit } from '@/lib/telemetry/audit';
import { AppError } from '@/lib/errors';
import { handleErrors, jsonResponse, readBody } from '@/lib/http/respond';
import { deletePasskey, renamePasskey } from '@/lib/layers/self-hosted/credentials';
import { requireRoute } from '@/lib/layers';
import { passkeyName } from '@/lib/layers/passkey-names';
import { requireSession } from '@/lib/session/current';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

const ENTER_A_NAME = 'Enter a name.';
/** Any non-blank string; passkeyName then drops control characters and keeps 64 characters. */
const Rename = z.object({
  name: z.string({ error: ENTER_A_NAME }).refine((name) => name.trim().length > 0, { error: ENTER_A_NAME }),
});

/** PATCH {name}: renames one of the user's passkeys. */
export const PATCH = handleErrors(async (request: Request, { params }: Context) => {
  requireRoute('passkey-account');
  const user = await requireSession();
  const { id } = await params;
  const name = passkeyName((await readBody(request, Rename)).name);
  if (!(await renamePasskey(user.sub, id, name))) throw new AppError('not_found');
  return jsonResponse({ id, name });
});

/** DELETE: removes one of the user's passkeys (needs a sign-in within 5 minutes). */
export const DELETE = handleErrors(async (_request: Request, { params }: Context) => {
  requireRoute('passkey-account');
  const user = await requireSession({ recentSignIn: true });
  const { id } = await params;
  if (!(await deletePasskey(user.sub, id))) throw new AppError('not_found');
  audit('passkey_removed', { sub: user.sub, passkeyId: id });
  return jsonResponse({ deleted: true });
});
