import { randomBytes } from 'node:crypto';
import type { DefineAuthChallengeTriggerEvent } from 'aws-lambda';

/** The custom flow's challenge history, as the define trigger receives it. */
export type ChallengeHistory = DefineAuthChallengeTriggerEvent['request']['session'];

/** What a USER_AUTH session waits for (user-auth.ts). */
export type UserAuthState =
  | { kind: 'SELECT_CHALLENGE'; available: string[]; webAuthnChallenge?: string }
  | { kind: 'WEB_AUTHN'; webAuthnChallenge: string }
  | { kind: 'EMAIL_OTP'; code: string };

export interface ChallengeSession {
  kind: 'CUSTOM_CHALLENGE' | 'NEW_PASSWORD_REQUIRED' | UserAuthState['kind'];
  poolId: string;
  clientId: string;
  username: string;
  history: ChallengeHistory;
  privateParameters: Record<string, string>;
  challengeMetadata?: string;
  /** The USER_AUTH flow's own state (user-auth.ts). */
  userAuth?: UserAuthState;
  expiresAt: number;
}

/** Challenge sessions live only here: opaque handles, single use, expiring (3 minutes, as Cognito's default). */
export class ChallengeSessions {
  private readonly sessions = new Map<string, ChallengeSession>();

  open(session: Omit<ChallengeSession, 'expiresAt'>, validityMinutes: number): string {
    const now = Date.now();
    for (const [handle, state] of this.sessions) if (state.expiresAt < now) this.sessions.delete(handle);
    const handle = randomBytes(96).toString('base64url');
    this.sessions.set(handle, { ...session, expiresAt: now + validityMinutes * 60_000 });
    return handle;
  }

  take(handle: string): ChallengeSession | 'expired' | null {
    const state = this.sessions.get(handle);
    if (!state) return null;
    this.sessions.delete(handle);
    return state.expiresAt < Date.now() ? 'expired' : state;
  }
}
