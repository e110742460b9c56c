import 'server-only';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  matchesAnyHash,
  refusedEmailCodeTry,
  type CeremonyChallenge,
  type CeremonyPurpose,
  type PasskeyStore,
  type StoredPasskey,
} from './passkey-store';

/**
 * The SQLite store: the self-hosted passkey layer's own data (credentials, ceremony challenges,
 * email codes) in one file under DATA_DIR, for one machine (embedded mode, or a production
 * server its operator declares a single instance). Users themselves live only in Cognito.
 * Migrations run in order, once, each in a transaction; the applied version is kept in
 * `schema_migrations`.
 */

const MIGRATIONS: string[] = [
  `CREATE TABLE passkey_credentials (
     id TEXT PRIMARY KEY,                -- credential id, base64url
     user_sub TEXT NOT NULL,             -- Cognito sub of the owner
     email TEXT NOT NULL,                -- the owner's email when registered (sign-in goes by it)
     public_key BLOB NOT NULL,
     counter INTEGER NOT NULL,
     transports TEXT NOT NULL,           -- JSON array
     device_type TEXT NOT NULL,          -- singleDevice | multiDevice
     backed_up INTEGER NOT NULL,
     name TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_used_at INTEGER
   );
   CREATE INDEX passkey_credentials_user ON passkey_credentials (user_sub);
   CREATE TABLE ceremony_challenges (
     id TEXT PRIMARY KEY,                -- random handle
     browser_hash TEXT NOT NULL,         -- sha256 of the ceremony cookie that asked for it
     purpose TEXT NOT NULL,              -- register | authenticate
     challenge TEXT NOT NULL,
     user_sub TEXT,                      -- register: whose passkey it will be
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX ceremony_challenges_expiry ON ceremony_challenges (expires_at);
   CREATE TABLE email_codes (
     email TEXT PRIMARY KEY,
     code_hash TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     expires_at INTEGER NOT NULL
   );`,
  // A right code is marked used until its session exists, so that a failure on our side can give
  // that very code back (lib/email/codes.ts).
  `ALTER TABLE email_codes ADD COLUMN used_at INTEGER`,
  // One row rewritten by every readiness probe: a store that can no longer write is not ready.
  `CREATE TABLE store_probe (id INTEGER PRIMARY KEY CHECK (id = 1), probed_at INTEGER NOT NULL)`,
  // The code a newer one replaced: its try says "replaced" instead of "wrong".
  `ALTER TABLE email_codes ADD COLUMN replaced_hash TEXT`,
];

export function openDatabase(file: string): Database.Database {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Owner-only like everything in the data folder; SQLite gives its -wal and -shm files this file's mode.
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const database = new Database(file);
  // better-sqlite3 blocks the event loop while it waits for a lock: wait briefly, then the
  // request gets a 503 with Retry-After (lib/http/respond.ts) instead of stalling every request.
  // Set first: switching a new file to WAL takes a lock too.
  database.pragma('busy_timeout = 200');
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  try {
    migrate(database);
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}

function migrate(database: Database.Database): void {
  database.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
  );
  // The version is read inside a transaction that holds the write lock from its start, so two
  // processes opening an older file at once apply each migration exactly once.
  database
    .transaction(() => {
      const applied = database.prepare('SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations').get() as {
        version: number;
      };
      MIGRATIONS.slice(applied.version).forEach((sql, index) => {
        database.exec(sql);
        database
          .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
          .run(applied.version + index + 1, Date.now());
      });
    })
    .immediate();
}

interface PasskeyRow {
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

const fromRow = (row: PasskeyRow): StoredPasskey => ({
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

/** The store in `file`, opened (and migrated) on first use. */
export function createSqliteStore(file: string): PasskeyStore {
  let opened: Database.Database | undefined;
  const db = () => (opened ??= openDatabase(file));
  return {
    async saveChallenge({ browserHash, purpose, challenge, userSub, expiresAt }) {
      db().prepare('DELETE FROM ceremony_challenges WHERE expires_at < ?').run(Date.now());
      db()
        .prepare(
          'INSERT INTO ceremony_challenges (id, browser_hash, purpose, challenge, user_sub, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(randomHandle(), browserHash, purpose, challenge, userSub, expiresAt);
    },

    async takeChallenge(browserHash: string, purpose: CeremonyPurpose, challenge: string) {
      const row = db()
        .prepare(
          `DELETE FROM ceremony_challenges WHERE browser_hash = ? AND purpose = ? AND challenge = ?
           RETURNING user_sub AS userSub, expires_at AS expiresAt`,
        )
        .get(browserHash, purpose, challenge) as { userSub: string | null; expiresAt: number } | undefined;
      return row ? ({ browserHash, purpose, challenge, ...row } satisfies CeremonyChallenge) : null;
    },

    async insertPasskey(passkey) {
      const result = db()
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
    },

    async findPasskey(id) {
      const row = db().prepare('SELECT * FROM passkey_credentials WHERE id = ?').get(id) as PasskeyRow | undefined;
      return row ? fromRow(row) : null;
    },

    async listPasskeys(userSub) {
      const rows = db()
        .prepare('SELECT * FROM passkey_credentials WHERE user_sub = ? ORDER BY created_at')
        .all(userSub) as PasskeyRow[];
      return rows.map(fromRow);
    },

    async recordPasskeyUse(id, counter, usedAt) {
      // The counter check is part of the update itself, so two racing sign-ins cannot both count.
      return (
        db()
          .prepare(
            'UPDATE passkey_credentials SET counter = ?, last_used_at = ? WHERE id = ? AND (counter < ? OR (counter = 0 AND ? = 0))',
          )
          .run(counter, usedAt, id, counter, counter).changes === 1
      );
    },

    async renamePasskey(userSub, id, name) {
      return (
        db().prepare('UPDATE passkey_credentials SET name = ? WHERE id = ? AND user_sub = ?').run(name, id, userSub)
          .changes === 1
      );
    },

    async deletePasskey(userSub, id) {
      return (
        db().prepare('DELETE FROM passkey_credentials WHERE id = ? AND user_sub = ?').run(id, userSub).changes === 1
      );
    },

    async storeEmailCode(email, hash, expiresAt) {
      db().prepare('DELETE FROM email_codes WHERE expires_at < ?').run(Date.now());
      db()
        .prepare(
          `INSERT INTO email_codes (email, code_hash, attempts, expires_at, used_at) VALUES (?, ?, 0, ?, NULL)
           ON CONFLICT (email) DO UPDATE SET replaced_hash = email_codes.code_hash, code_hash = excluded.code_hash,
             attempts = 0, expires_at = excluded.expires_at, used_at = NULL
           WHERE excluded.expires_at >= email_codes.expires_at`,
        )
        .run(email, hash, expiresAt);
    },

    async tryEmailCode(email, hashes, maxAttempts, now) {
      const database = db();
      return database.transaction(() => {
        const row = database
          .prepare(
            `UPDATE email_codes SET attempts = attempts + 1 WHERE email = ? AND used_at IS NULL
             RETURNING code_hash AS hash, attempts, expires_at AS expiresAt, replaced_hash AS replacedHash`,
          )
          .get(email) as { hash: string; attempts: number; expiresAt: number; replacedHash: string | null } | undefined;
        if (!row) return { result: 'none' } as const;
        const right = row.expiresAt >= now && row.attempts <= maxAttempts && matchesAnyHash(row.hash, hashes);
        if (right) {
          database.prepare('UPDATE email_codes SET used_at = ? WHERE email = ?').run(now, email);
          return { result: 'right' } as const;
        }
        // An expired or exhausted code is gone; a wrong one stays until its tries run out.
        if (row.expiresAt < now || row.attempts >= maxAttempts) {
          database.prepare('DELETE FROM email_codes WHERE email = ?').run(email);
        }
        return refusedEmailCodeTry(row, hashes, maxAttempts, now);
      })();
    },

    async finishEmailCode(email, hashes) {
      db()
        .prepare(
          `DELETE FROM email_codes WHERE email = ? AND code_hash IN (${placeholders(hashes)}) AND used_at IS NOT NULL`,
        )
        .run(email, ...hashes);
    },

    async restoreEmailCode(email, hashes, now) {
      db()
        .prepare(
          `UPDATE email_codes SET used_at = NULL, attempts = attempts - 1
           WHERE email = ? AND code_hash IN (${placeholders(hashes)}) AND used_at IS NOT NULL AND expires_at >= ?`,
        )
        .run(email, ...hashes, now);
    },

    async probe() {
      db()
        .prepare(
          'INSERT INTO store_probe (id, probed_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at',
        )
        .run(Date.now());
      db().prepare('SELECT probed_at FROM store_probe WHERE id = 1').get();
    },
  };
}

/**
 * Whether the stored code hash is one of `hashes`, each compared in constant time, and all of
 * them compared whichever matches (the number of candidates is the number of accepted secrets).
 */
/** `?, ?, ?` for an SQL IN list of `values` (SQLite takes an empty list too: it matches nothing). */
function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

function randomHandle(): string {
  return randomBytes(16).toString('base64url');
}
