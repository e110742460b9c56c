import 'server-only';
import { getConfig } from '../../config';
import { AppError } from '../../errors';

/** The native layer's routes exist only when it is the chosen passkey layer (PASSKEY_LAYER=cognito-native). */
export function requireCognitoNativeLayer(): void {
  if ((getConfig() as { passkeyLayer?: string }).passkeyLayer !== 'cognito-native') throw new AppError('not_found');
}
