import 'server-only';
import { getConfig } from '../config';
import { AppError } from '../errors';

/** The self-hosted passkey and email-code routes exist only when Corbado is not the passkey layer. */
export function requireEmbeddedPasskeyLayer(): void {
  if (getConfig().corbado) throw new AppError('not_found');
}
