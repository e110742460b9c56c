import 'server-only';
import { decodeJwt } from 'jose';
import { audit } from '../../telemetry/audit';
import { signInExistingUser } from '../../sign-in/pipeline';
import { signInKeepingProof, type KeptProof } from '../../sign-in/retry';
import type { CookieReader } from '../../session/cookies';
import type { SignedIn } from '../../session/session';
import { AppError } from '../../errors';
import { enforceRateLimits } from '../../rate-limit';
import { recordSignIn } from '../../telemetry/sign-in';
import { corbadoProject } from '../corbado-project';
import { verifySignedData } from './backend-api';

/**
 * Proofs one address may have checked at Corbado in 15 minutes, as many as password tries: each
 * costs a Backend API call, and a project Corbado throttles fails every passkey user (#24).
 */
const SIGN_INS_PER_ADDRESS = { name: 'connect-sign-in:address', limit: 50, windowSeconds: 15 * 60 };

const JWT_SHAPE = /^[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{2,8192}\.[A-Za-z0-9_-]{2,2048}$/;
const USERNAME_SHAPE = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;

function refuse(reason: string): AppError {
  audit('sign_in_failed', { method: 'corbado', layer: 'connect', reason });
  return new AppError('connect_passkey_invalid');
}

/**
 * The Cognito username the proof says it is for (its `webauthnId` claim: the identifier the
 * append token gave Corbado). Read without checking the signature: it only names the user to ask
 * Corbado about. Corbado's verification then binds the proof to exactly that user, and the
 * pipeline to exactly that Cognito user, so a forged claim gains nothing.
 */
function claimedUsername(signedPasskeyData: unknown): string {
  if (typeof signedPasskeyData !== 'string' || !JWT_SHAPE.test(signedPasskeyData)) throw refuse('malformed');
  let claims;
  try {
    claims = decodeJwt(signedPasskeyData);
  } catch {
    throw refuse('malformed');
  }
  const username = claims.webauthnId;
  if (typeof username !== 'string' || !USERNAME_SHAPE.test(username)) throw refuse('no_user');
  return username;
}

/**
 * Corbado Connect: a login's `signedPasskeyData` → the app's session. Costs 1 Backend API call
 * (verifySignedData, which also makes each proof single-use) and 2 Cognito calls (CUSTOM_AUTH
 * answered with the app's own signed assertion). The Lambdas see nothing of Corbado.
 */
export const signInWithSignedPasskeyData = (cookies: CookieReader, signedPasskeyData: unknown, clientAddress: string) =>
  recordSignIn('corbado', () => connectSignIn(cookies, signedPasskeyData, clientAddress));
async function connectSignIn(
  cookies: CookieReader,
  signedPasskeyData: unknown,
  clientAddress: string,
): Promise<SignedIn> {
  corbadoProject('connect');
  // A retry after Cognito's quota held the sign-in back uses the kept proof (lib/sign-in/retry.ts):
  // Corbado's proof is single-use, so without it the user would be asked for the passkey again.
  return signInKeepingProof<Extract<KeptProof, { method: 'corbado' }>>(
    cookies,
    'corbado',
    async () => ({ method: 'corbado', username: await verifiedUsername(signedPasskeyData, clientAddress) }),
    (proof) => signInConnectUser(proof.username),
  );
}

/**
 * The Cognito username a login's proof was verified for at Corbado's Backend API (1 call). A
 * proof that is not even a well-formed JWT is refused first, for free; the rest count against
 * the address before Corbado is asked.
 */
async function verifiedUsername(signedPasskeyData: unknown, clientAddress: string): Promise<string> {
  const username = claimedUsername(signedPasskeyData);
  await enforceRateLimits([{ rule: SIGN_INS_PER_ADDRESS, key: clientAddress }]);
  const result = await verifySignedData(signedPasskeyData as string, username);
  if (result !== 'success') throw refuse(result);
  return username;
}

async function signInConnectUser(username: string): Promise<SignedIn> {
  try {
    return await signInExistingUser(username, 'corbado');
  } catch (error) {
    if (error instanceof AppError) {
      audit('sign_in_failed', { method: 'corbado', layer: 'connect', reason: error.code });
      if (error.code === 'passkey_rejected') throw new AppError('connect_passkey_invalid');
    }
    throw error;
  }
}
