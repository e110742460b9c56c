/**
 * Cognito's request-rate quotas for user pools, by category, as AWS publishes them ("Amazon
 * Cognito user pools API operation categories and request rate quotas" in the Cognito developer
 * guide). A quota is per account and Region: every pool, every app and every instance of this
 * one draw on the same requests per second. The defaults below are AWS's defaults; an account
 * with raised quotas (Service Quotas console), or one whose quota other apps share, sets its own
 * rate per category (COGNITO_QUOTA_<CATEGORY>, docs/DEPLOYMENT.md).
 *
 * Only the operations listed are shaped (lib/cognito/quota.ts); the app calls few of them.
 * AWS handles AdminRespondToAuthChallenge / RespondToAuthChallenge specially (measured apart
 * from the InitiateAuth calls of the same category); they are counted in UserAuthentication
 * here all the same, which can only keep the app further below the quota, never above it.
 *
 * The table sits with the configuration, which owns its defaults: lib/config reads the rates,
 * lib/cognito/quota.ts paces the calls and lib/telemetry/cognito.ts labels them with it, all from
 * below. It imports nothing. No `server-only`: bench/ and embedded-cognito/ read it too.
 */

export const QUOTA_CATEGORIES = {
  UserAuthentication: {
    env: 'COGNITO_QUOTA_USER_AUTHENTICATION',
    defaultPerSecond: 120,
    // REFRESH_TOKEN_AUTH is an InitiateAuth: refreshes count against sign-ins.
    operations: [
      'AdminInitiateAuth',
      'AdminRespondToAuthChallenge',
      'InitiateAuth',
      'RespondToAuthChallenge',
      'GetTokensFromRefreshToken',
    ],
  },
  UserCreation: {
    env: 'COGNITO_QUOTA_USER_CREATION',
    defaultPerSecond: 50,
    operations: ['SignUp', 'ConfirmSignUp', 'AdminCreateUser', 'AdminConfirmSignUp'],
  },
  UserRead: {
    env: 'COGNITO_QUOTA_USER_READ',
    defaultPerSecond: 120,
    operations: ['AdminGetUser', 'GetUser'],
  },
  UserList: {
    env: 'COGNITO_QUOTA_USER_LIST',
    defaultPerSecond: 30,
    operations: ['ListUsers', 'ListUsersInGroup'],
  },
  UserUpdate: {
    env: 'COGNITO_QUOTA_USER_UPDATE',
    defaultPerSecond: 25,
    operations: [
      'AdminUpdateUserAttributes',
      'AdminSetUserPassword',
      'AdminDeleteUser',
      'AdminDeleteUserAttributes',
      'AdminDisableUser',
      'AdminEnableUser',
      'AdminUserGlobalSignOut',
      'UpdateUserAttributes',
      'DeleteUserAttributes',
      'ChangePassword',
      'DeleteUser',
      'GlobalSignOut',
    ],
  },
  UserAccountRecovery: {
    env: 'COGNITO_QUOTA_USER_ACCOUNT_RECOVERY',
    defaultPerSecond: 30,
    operations: ['ForgotPassword', 'ConfirmForgotPassword', 'AdminResetUserPassword'],
  },
  UserToken: {
    env: 'COGNITO_QUOTA_USER_TOKEN',
    defaultPerSecond: 120,
    operations: ['RevokeToken'],
  },
} as const satisfies Record<string, { env: string; defaultPerSecond: number; operations: readonly string[] }>;

export type QuotaCategory = keyof typeof QUOTA_CATEGORIES;

export const QUOTA_CATEGORY_NAMES = Object.keys(QUOTA_CATEGORIES) as QuotaCategory[];

const BY_OPERATION = new Map<string, QuotaCategory>(
  QUOTA_CATEGORY_NAMES.flatMap((category) =>
    QUOTA_CATEGORIES[category].operations.map((operation) => [operation, category] as const),
  ),
);

/** The quota category of a Cognito operation (`AdminInitiateAuth`), or null if none is shaped. */
export function quotaCategoryOf(operation: string): QuotaCategory | null {
  return BY_OPERATION.get(operation) ?? null;
}

/**
 * How long a Cognito call may wait for its turn in the budget before the request fails with a
 * 503 (COGNITO_QUOTA_MAX_WAIT_MS). Long enough to ride out a burst of a few seconds' worth of
 * sign-ins, short against the user's patience and the 60 s a kept passkey proof lives.
 */
export const DEFAULT_QUOTA_MAX_WAIT_MS = 4_000;
