/**
 * Every failure the app reports is one of these codes. The HTTP status and the message a user
 * sees are decided here, once; internals (stacks, Cognito's own error text) go to the log only.
 */
export const ERRORS = {
  invalid_request: { status: 400, message: 'The request is not valid.' },
  invalid_credentials: { status: 401, message: 'The email or password is incorrect.' },
  unauthenticated: { status: 401, message: 'You are not signed in.' },
  corbado_session_invalid: {
    status: 401,
    message: 'Your passkey sign-in is missing, invalid or has expired. Sign in again.',
  },
  connect_passkey_invalid: {
    status: 401,
    message: 'Your passkey sign-in could not be verified. Try again, or sign in with your password or an email code.',
  },
  actions_unauthorized: { status: 401, message: 'The Corbado Action credentials are missing or wrong.' },
  actions_disabled: { status: 404, message: 'Corbado Connect Actions are not configured on this server.' },
  corbado_disabled: { status: 404, message: 'Passkey sign-in with Corbado is not enabled on this server.' },
  webhook_unauthorized: { status: 401, message: 'The webhook credentials are missing or wrong.' },
  webhook_disabled: { status: 404, message: 'The Corbado webhook is not configured on this server.' },
  cross_site: { status: 403, message: 'Cross-site requests are not allowed.' },
  account_blocked: { status: 403, message: 'This account is disabled. Contact support.' },
  passkey_rejected: {
    status: 401,
    message: 'That passkey could not be verified. Try again, or sign in with an email code.',
  },
  invalid_code: { status: 401, message: 'That code is wrong or has expired. Request a new code and try again.' },
  reauthentication_required: {
    status: 403,
    message: 'For your security, sign in again (within the last 5 minutes) before changing your passkeys.',
  },
  password_change_required: {
    status: 403,
    message: 'This account must set a new password before it can sign in. Use "Forgot password" or ask support.',
  },
  not_found: { status: 404, message: 'Not found.' },
  account_exists: {
    status: 409,
    message:
      'An account with this email already exists. Sign in with your password, then add a passkey from your account page.',
  },
  method_not_allowed: { status: 405, message: 'Method not allowed.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send the request body as application/json.' },
  rate_limited: { status: 429, message: 'Too many attempts. Wait a moment and try again.' },
  upstream_unavailable: { status: 503, message: 'Sign-in is temporarily unavailable. Try again in a moment.' },
  internal: { status: 500, message: 'Something went wrong on our side. Try again.' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  /** For rate_limited and upstream_unavailable: when to try again (the Retry-After header). */
  readonly retryAfterSeconds?: number;
  /**
   * The request may simply be sent again after Retry-After and should then succeed (Cognito's
   * quota held it back): the answer says `retry: true`, and the browser retries on its own.
   */
  readonly retry: boolean;

  constructor(
    readonly code: ErrorCode,
    /** A more specific user-facing message than the code's default. Never put internals here. */
    readonly userMessage: string = ERRORS[code].message,
    options?: { cause?: unknown; retryAfterSeconds?: number; retry?: boolean },
  ) {
    super(`${code}: ${userMessage}`, options);
    this.name = 'AppError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.retry = options?.retry ?? false;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }
}
