import { decodeJwt } from 'jose';
import { NotAuthorizedError } from 'cognito-local/lib/errors';
import type { Services } from 'cognito-local/lib/services';
import type { Context } from 'cognito-local/lib/services/context';
import type { TokenIssuer } from './token-issuer';

/**
 * Rules Amazon Cognito enforces and cognito-local 5.3.0 does not, checked before any operation
 * runs. cognito-local reads an access token's claims without checking its signature, so an
 * access token signed HS256 with any key passed GetUser and UpdateUserAttributes, and it never
 * refuses an access token revoked by RevokeToken or a global sign-out; and its SignUp ignores
 * AdminCreateUserConfig, so anyone could add users to an admin-only pool.
 */

type Request = { AccessToken?: unknown; ClientId?: unknown };

/** Throws NotAuthorizedException, with AWS's messages, when `req` may not run `target`. */
export async function enforcePoolRules(
  services: Services,
  issuer: TokenIssuer,
  ctx: Context,
  target: string,
  req: Request,
): Promise<void> {
  // Every operation that takes an access token (GetUser, UpdateUserAttributes, ChangePassword, ...).
  if (req.AccessToken !== undefined) await verifyAccessToken(services, issuer, ctx, req.AccessToken);
  if (target === 'SignUp' && typeof req.ClientId === 'string') {
    const client = await services.cognito.getAppClient(ctx, req.ClientId);
    if (!client) return;
    const pool = await services.cognito.getUserPool(ctx, client.UserPoolId);
    if (pool.options.AdminCreateUserConfig?.AllowAdminCreateUserOnly) {
      throw new NotAuthorizedError('SignUp is not permitted for this user pool');
    }
  }
}

/**
 * The pool's own key and algorithm (RS256), its issuer, token_use=access, not expired, issued to
 * one of the pool's clients, and not revoked by RevokeToken or a global sign-out.
 */
async function verifyAccessToken(services: Services, issuer: TokenIssuer, ctx: Context, token: unknown): Promise<void> {
  const invalid = new NotAuthorizedError('Invalid Access Token');
  if (typeof token !== 'string') throw invalid;
  let poolId: string;
  try {
    poolId =
      String(decodeJwt(token).iss ?? '')
        .split('/')
        .pop() ?? '';
  } catch {
    throw invalid;
  }
  const claims = await issuer.verifyAccessToken(token, poolId);
  if (!claims || typeof claims.client_id !== 'string') throw invalid;
  const client = await services.cognito.getAppClient(ctx, claims.client_id);
  if (!client || client.UserPoolId !== poolId) throw invalid;
  if (issuer.isRevoked(claims)) throw new NotAuthorizedError('Access Token has been revoked');
}
