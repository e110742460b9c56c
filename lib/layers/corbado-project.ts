import 'server-only';
import { getConfig, type CorbadoConfig } from '../config';
import { AppError } from '../errors';

/**
 * What the two Corbado layers (corbado-connect/, corbado-complete/) share: their project's
 * configuration, and the cap on what they read from Corbado's Backend API.
 */

/**
 * The largest Backend API answer the app reads. Connect's answers are a few hundred bytes and
 * Complete's identifier list (100 at most) a few KB; anything past this is not Corbado's answer.
 */
export const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * The configured Corbado project in the given mode, or a 404 AppError when this server runs
 * without Corbado or in the other mode (Connect's routes do not exist in Complete, and back).
 */
export function corbadoProject(mode: CorbadoConfig['mode']): CorbadoConfig {
  const { corbado } = getConfig();
  if (!corbado || corbado.mode !== mode) throw new AppError('corbado_disabled');
  return corbado;
}
