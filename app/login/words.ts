/**
 * What the sign-in screens say, in one place, so every layer (self-hosted, Corbado Connect's
 * fallback, re-authentication) uses the same words for the same step.
 */
export const LOGIN_WORDS = {
  heading: 'Sign in',
  /** Says nothing about passkeys: a device without them must not read "Use your passkey". */
  intro: 'Enter your email to sign in, or to create an account: we send you a one-time code.',
  emailLabel: 'Email',
  /** The one primary action after the email: it always leads on, to the code step. */
  continueButton: 'Continue',
  passkeyButton: 'Sign in with a passkey',
  /** Cognito's own passkeys need the email first (no usernameless sign-in). */
  passkeyNeedsEmail: 'Enter your email first, then choose Sign in with a passkey.',
  passkeyWaiting: 'Waiting for your passkey…',
  signingIn: 'Signing you in…',
  passwordInstead: 'Sign in with your password instead',
  codeHeading: 'Check your email',
  codeLabel: (digits = 6) => `${digits}-digit code`,
  codeSent: (email: string, digits = 6, validity = '10 minutes') =>
    `We sent ${digits === 8 ? 'an' : 'a'} ${digits}-digit code to ${email}. It is valid for ${validity}.`,
  codeResent: (email: string) => `We sent a new code to ${email}. Use the newest one.`,
  sendingCode: 'Sending a code…',
  sendingNewCode: 'Sending a new code…',
  checkingCode: 'Checking the code…',
  sendNewCode: 'Send a new code',
  useAnotherEmail: 'Use another email',
} as const;
