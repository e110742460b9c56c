import { timingSafeEqual } from 'node:crypto';

/**
 * What the self-hosted passkey layer needs from a store, whichever database gives it. Every
 * single-use or monotonic rule is one atomic step of the backend (a conditional write in
 * DynamoDB), so any number of app instances may share one store. Expiry is always checked by the
 * caller too: a backend may remove expired entries late (DynamoDB's TTL).
 */

export interface StoredPasskey {
  id: string;
  userSub: string;
  email: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: number;
  transports: string[];
  deviceType: string;
  backedUp: boolean;
  /** The authenticator's model from its registration, which names its provider; null when hidden or unknown. */
  aaguid: string | null;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/**
 * What Cognito does not keep about one of its own passkeys (the native layer): Cognito lists a
 * credential's id, its friendly name and when it was created, but no AAGUID (so no provider
 * name), no last use, and it has no rename call. Kept here by credential id, for its owner only.
 */
export interface PasskeyDetails {
  credentialId: string;
  /** The Cognito user (sub) whose passkey it is. */
  userSub: string;
  /** From the registration's authenticator data, when the app saw it; null otherwise. */
  aaguid: string | null;
  /** The name the user chose (or the app gave it); null: none yet. */
  name: string | null;
  /** Epoch milliseconds; null when the app did not see it created. */
  createdAt: number | null;
  /** Epoch milliseconds of the last sign-in the app answered with it; null: never. */
  lastUsedAt: number | null;
}

export type CeremonyPurpose = 'register' | 'authenticate';

export interface CeremonyChallenge {
  /** sha256 (hex) of the ceremony cookie of the browser that asked for it. */
  browserHash: string;
  purpose: CeremonyPurpose;
  challenge: string;
  /** register: whose passkey it will be. */
  userSub: string | null;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * What one try at an email's code found, so the user can be told what to do next: `wrong` with
 * the tries its code has left, `replaced` (the code the newest one replaced: a person typed the
 * code from an older email), `expired` (past its 10 minutes), `used_up` (that try was its last
 * or it had none left), or `none` (no code pending: never sent, already used, or gone).
 */
export type EmailCodeTry =
  | { result: 'right' }
  | { result: 'wrong'; triesLeft: number }
  | { result: 'replaced'; triesLeft: number }
  | { result: 'expired' }
  | { result: 'used_up' }
  | { result: 'none' };

/** Whether `stored` (a code's keyed hash) is one of `hashes`, in constant time. */
export function matchesAnyHash(stored: string, hashes: readonly string[]): boolean {
  const expected = Buffer.from(stored, 'hex');
  return hashes
    .map((hash) => {
      const candidate = Buffer.from(hash, 'hex');
      return candidate.length === expected.length && timingSafeEqual(candidate, expected);
    })
    .includes(true);
}

/**
 * A try that did not use the code, given the code's state once the try was counted and the
 * hashes tried: one rule for every backend. The replaced code's try counts like any other.
 */
export function refusedEmailCodeTry(
  code: { attempts: number; expiresAt: number; replacedHash?: string | null },
  hashes: readonly string[],
  maxAttempts: number,
  now: number,
): EmailCodeTry {
  if (code.expiresAt < now) return { result: 'expired' };
  if (code.attempts >= maxAttempts) return { result: 'used_up' };
  const triesLeft = maxAttempts - code.attempts;
  if (code.replacedHash && matchesAnyHash(code.replacedHash, hashes)) return { result: 'replaced', triesLeft };
  return { result: 'wrong', triesLeft };
}

export interface PasskeyStore {
  saveChallenge(challenge: CeremonyChallenge): Promise<void>;
  /**
   * Removes and returns the challenge this browser was given for `purpose`, expired or not (the
   * caller checks); null when there is none, it is another browser's, or it was taken already.
   * Of any number of concurrent takes exactly one gets it.
   */
  takeChallenge(browserHash: string, purpose: CeremonyPurpose, challenge: string): Promise<CeremonyChallenge | null>;

  /** false when the credential id is already registered (to anyone). */
  insertPasskey(passkey: StoredPasskey): Promise<boolean>;
  /** Read from the primary copy: a passkey deleted through any instance is gone at once. */
  findPasskey(id: string): Promise<StoredPasskey | null>;
  /** The user's passkeys, oldest first; none that was deleted through any instance. */
  listPasskeys(userSub: string): Promise<StoredPasskey[]>;
  /**
   * Records a sign-in that reported `counter`. The counter only moves forward (0 stays allowed
   * for authenticators that keep none): of two sign-ins with the same counter only one counts.
   * false for the other, and when the passkey is gone.
   */
  recordPasskeyUse(id: string, counter: number, usedAt: number): Promise<boolean>;
  /** Only the owner's own passkey; false when there is no such passkey of theirs. */
  renamePasskey(userSub: string, id: string, name: string): Promise<boolean>;
  deletePasskey(userSub: string, id: string): Promise<boolean>;

  /**
   * Records the details of a new native passkey; false when that credential id already has
   * details of another user (never overwritten).
   */
  savePasskeyDetails(details: PasskeyDetails): Promise<boolean>;
  /** The details of those of `credentialIds` that are `userSub`'s, by credential id. */
  findPasskeyDetails(userSub: string, credentialIds: readonly string[]): Promise<Map<string, PasskeyDetails>>;
  /** A sign-in with the passkey: its last use, on its owner's details (made if there are none). */
  recordPasskeyDetailsUse(userSub: string, credentialId: string, usedAt: number): Promise<boolean>;
  /** Sets the owner's own name (details made if there are none); false when they are another user's. */
  renamePasskeyDetails(userSub: string, credentialId: string, name: string): Promise<boolean>;
  /** Only the owner's; false when there were none of theirs. */
  deletePasskeyDetails(userSub: string, credentialId: string): Promise<boolean>;

  /**
   * Stores the (keyed hash of the) code just sent, with no tries used. It replaces the email's
   * earlier code unless that one expires later (a later request's code, stored first); the
   * replaced code's hash is kept beside it, so a try with it reads `replaced`, not `wrong`.
   */
  storeEmailCode(email: string, hash: string, expiresAt: number): Promise<void>;
  /**
   * One try at the email's code, counted whatever it gives, without loss under concurrency.
   * `right` when one of `hashes` (the code keyed with each accepted secret, so that a code sent
   * before a secret rotation still counts) is the code's, unused, unexpired and within
   * `maxAttempts` tries: it is then marked used (and refused from then on). A code that ran out
   * of tries or time is removed.
   */
  tryEmailCode(email: string, hashes: readonly string[], maxAttempts: number, now: number): Promise<EmailCodeTry>;
  /** The used code became a session: it is gone for good. Nothing else is touched. */
  finishEmailCode(email: string, hashes: readonly string[]): Promise<void>;
  /**
   * Gives back a used code whose sign-in failed on our side, with its try: only that very code,
   * still marked used (not replaced meanwhile), and only while unexpired.
   */
  restoreEmailCode(email: string, hashes: readonly string[], now: number): Promise<void>;

  /** Readiness: one real read and one real write; throws when the store cannot do both. */
  probe(): Promise<void>;
}
