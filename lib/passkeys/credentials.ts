import 'server-only';
import { database } from '../db';

export interface StoredPasskey {
  id: string;
  userSub: string;
  email: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: number;
  transports: string[];
  deviceType: string;
  backedUp: boolean;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** What the account page shows: no key material. */
export type PasskeySummary = Pick<StoredPasskey, 'id' | 'name' | 'createdAt' | 'lastUsedAt' | 'backedUp' | 'deviceType'>;

interface Row {
  id: string;
  user_sub: string;
  email: string;
  public_key: Buffer;
  counter: number;
  transports: string;
  device_type: string;
  backed_up: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

const fromRow = (row: Row): StoredPasskey => ({
  id: row.id,
  userSub: row.user_sub,
  email: row.email,
  publicKey: new Uint8Array(row.public_key),
  counter: row.counter,
  transports: JSON.parse(row.transports) as string[],
  deviceType: row.device_type,
  backedUp: row.backed_up === 1,
  name: row.name,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

export function findPasskey(id: string): StoredPasskey | null {
  const row = database().prepare('SELECT * FROM passkey_credentials WHERE id = ?').get(id) as Row | undefined;
  return row ? fromRow(row) : null;
}

export function listPasskeys(userSub: string): StoredPasskey[] {
  const rows = database()
    .prepare('SELECT * FROM passkey_credentials WHERE user_sub = ? ORDER BY created_at')
    .all(userSub) as Row[];
  return rows.map(fromRow);
}

export function summarize({ id, name, createdAt, lastUsedAt, backedUp, deviceType }: StoredPasskey): PasskeySummary {
  return { id, name, createdAt, lastUsedAt, backedUp, deviceType };
}

/** false when the credential id is already registered (to anyone). */
export function insertPasskey(passkey: StoredPasskey): boolean {
  const result = database()
    .prepare(
      `INSERT OR IGNORE INTO passkey_credentials
       (id, user_sub, email, public_key, counter, transports, device_type, backed_up, name, created_at, last_used_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      passkey.id,
      passkey.userSub,
      passkey.email,
      Buffer.from(passkey.publicKey),
      passkey.counter,
      JSON.stringify(passkey.transports),
      passkey.deviceType,
      passkey.backedUp ? 1 : 0,
      passkey.name,
      passkey.createdAt,
      passkey.lastUsedAt,
    );
  return result.changes === 1;
}

/**
 * Records a sign-in with the counter it reported. The counter check is repeated in the update
 * itself, so of two sign-ins racing with the same counter (a cloned authenticator) only one
 * counts; false for the other, and when the passkey was deleted meanwhile.
 */
export function recordPasskeyUse(id: string, counter: number): boolean {
  return (
    database()
      .prepare('UPDATE passkey_credentials SET counter = ?, last_used_at = ? WHERE id = ? AND (counter < ? OR (counter = 0 AND ? = 0))')
      .run(counter, Date.now(), id, counter, counter).changes === 1
  );
}

/** Only the owner's own passkeys can be renamed or deleted; false when there is no such passkey of theirs. */
export function renamePasskey(userSub: string, id: string, name: string): boolean {
  return database().prepare('UPDATE passkey_credentials SET name = ? WHERE id = ? AND user_sub = ?').run(name, id, userSub).changes === 1;
}

export function deletePasskey(userSub: string, id: string): boolean {
  return database().prepare('DELETE FROM passkey_credentials WHERE id = ? AND user_sub = ?').run(id, userSub).changes === 1;
}
