import 'server-only';
import { getConfig } from '../../config';
import { AppError } from '../../errors';

/** The self-hosted passkey routes exist only when Corbado is not the passkey layer. */
export function requireEmbeddedPasskeyLayer(): void {
  if (getConfig().corbado) throw new AppError('not_found');
}

/**
 * The email-code routes: with self-hosted passkeys, and in Corbado Connect mode, where Connect
 * creates no users, so the code is the sign-up (and the fallback). Corbado Complete brings its
 * own email fallback and sign-up.
 */
export function requireEmailCodeSignIn(): void {
  if (getConfig().corbado?.mode === 'complete') throw new AppError('not_found');
}
