import 'server-only';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { getConfig } from './config';

/**
 * The self-hosted passkey layer's own data (credentials, ceremony challenges, email codes) in
 * SQLite under DATA_DIR. Users themselves live only in Cognito. Migrations run in order, once,
 * each in a transaction; the applied version is kept in `schema_migrations`.
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
];

let db: Database.Database | undefined;

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
  database.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  // The version is read inside a transaction that holds the write lock from its start, so two
  // processes opening an older file at once apply each migration exactly once.
  database
    .transaction(() => {
      const applied = database.prepare('SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations').get() as {
        version: number;
      };
      MIGRATIONS.slice(applied.version).forEach((sql, index) => {
        database.exec(sql);
        database.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(applied.version + index + 1, Date.now());
      });
    })
    .immediate();
}

/** The app's database, opened (and migrated) on first use. */
export function database(): Database.Database {
  db ??= openDatabase(path.join(getConfig().dataDir, 'passkeys.sqlite'));
  return db;
}
