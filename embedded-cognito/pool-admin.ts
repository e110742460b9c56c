import type { UpdateUserPoolClientRequest } from '@aws-sdk/client-cognito-identity-provider';
import { ResourceNotFoundError } from 'cognito-local/lib/errors';
import type { Services } from 'cognito-local/lib/services';
import type { AppClient } from 'cognito-local/lib/services/appClient';
import type { Context } from 'cognito-local/lib/services/context';
import { appClientToResponseObject } from 'cognito-local/lib/targets/responses';

/**
 * Pool administration where cognito-local 5.3.0 differs from Amazon Cognito in a way the setup
 * command depends on. Its UpdateUserPoolClient keeps every field a request leaves out; AWS resets
 * them to defaults, which is what `npm run cognito:setup` must survive (it sends the whole client
 * back). Defaults are Cognito's documented ones; token revocation, whose default on update is not
 * documented, is reset to off, the stricter assumption for a caller that must send everything.
 */

type Target = (ctx: Context, req: UpdateUserPoolClientRequest) => Promise<object>;

const DEFAULT_AUTH_FLOWS = ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH'];

export function poolAdminTargets(services: Services): Record<string, Target> {
  return {
    UpdateUserPoolClient: async (ctx, req) => {
      const existing = await services.cognito.getAppClient(ctx, req.ClientId ?? '');
      if (!existing || existing.UserPoolId !== req.UserPoolId) {
        throw new ResourceNotFoundError(`User pool client ${req.ClientId} does not exist.`);
      }
      const pool = await services.cognito.getUserPool(ctx, existing.UserPoolId);
      const updated: AppClient &
        Pick<UpdateUserPoolClientRequest, 'AuthSessionValidity' | 'EnablePropagateAdditionalUserContextData'> = {
        ClientId: existing.ClientId,
        ClientSecret: existing.ClientSecret,
        UserPoolId: existing.UserPoolId,
        CreationDate: existing.CreationDate,
        LastModifiedDate: services.clock.get(),
        ClientName: req.ClientName ?? existing.ClientName,
        ExplicitAuthFlows: req.ExplicitAuthFlows ?? DEFAULT_AUTH_FLOWS,
        PreventUserExistenceErrors: req.PreventUserExistenceErrors ?? 'LEGACY',
        EnableTokenRevocation: req.EnableTokenRevocation ?? false,
        IdTokenValidity: req.IdTokenValidity,
        AccessTokenValidity: req.AccessTokenValidity,
        RefreshTokenValidity: req.RefreshTokenValidity ?? 30,
        TokenValidityUnits: {
          IdToken: req.TokenValidityUnits?.IdToken ?? 'hours',
          AccessToken: req.TokenValidityUnits?.AccessToken ?? 'hours',
          RefreshToken: req.TokenValidityUnits?.RefreshToken ?? 'days',
        },
        ReadAttributes: req.ReadAttributes,
        WriteAttributes: req.WriteAttributes,
        SupportedIdentityProviders: req.SupportedIdentityProviders,
        CallbackURLs: req.CallbackURLs,
        LogoutURLs: req.LogoutURLs,
        DefaultRedirectURI: req.DefaultRedirectURI,
        AllowedOAuthFlows: req.AllowedOAuthFlows,
        AllowedOAuthScopes: req.AllowedOAuthScopes,
        AllowedOAuthFlowsUserPoolClient: req.AllowedOAuthFlowsUserPoolClient,
        AnalyticsConfiguration: req.AnalyticsConfiguration,
        AuthSessionValidity: req.AuthSessionValidity,
        EnablePropagateAdditionalUserContextData: req.EnablePropagateAdditionalUserContextData,
      };
      await pool.saveAppClient(ctx, updated);
      return { UserPoolClient: appClientToResponseObject(updated) };
    },
  };
}
