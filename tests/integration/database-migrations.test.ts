import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../lib/store/sqlite';

/**
 * The passkey layer's SQLite file (lib/store/sqlite.ts) across versions of the app: an older file is
 * brought up to date without losing rows, and several processes opening one file at once (an
 * upgrade rolled out to two instances on one volume) apply each migration exactly once.
 */

const scratch = mkdtempSync(path.join(tmpdir(), 'cognito-passkeys-migrations-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const versions = (db: Database.Database) =>
  (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map(
    (row) => row.version,
  );

/** The same file opened by a fresh process, as another instance of the app would. */
function openInAnotherProcess(file: string): Promise<{ code: number | null; stderr: string }> {
  const script = path.join(scratch, 'open-database.ts');
  writeFileSync(
    script,
    `import { openDatabase } from ${JSON.stringify(path.resolve('lib/store/sqlite'))};\nopenDatabase(process.argv[2]!).close();\n`,
  );
  const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', script, file], {
    cwd: path.resolve('.'),
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe('database migrations', () => {
  it('brings a file of the first version up to date and keeps its rows (a code sent before the upgrade still counts as unused)', () => {
    const file = path.join(scratch, 'v1.sqlite');
    const current = openDatabase(path.join(scratch, 'current.sqlite'));
    const latest = Math.max(...versions(current));
    current.close();

    const old = new Database(file);
    old.exec(`
      CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
      INSERT INTO schema_migrations VALUES (1, 0);
      CREATE TABLE email_codes (email TEXT PRIMARY KEY, code_hash TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, expires_at INTEGER NOT NULL);
      INSERT INTO email_codes VALUES ('before@example.com', 'abc', 2, 99);
    `);
    old.close();

    const upgraded = openDatabase(file);
    try {
      expect(versions(upgraded)).toEqual(Array.from({ length: latest }, (_, i) => i + 1));
      expect(upgraded.prepare('SELECT * FROM email_codes').all()).toEqual([
        { email: 'before@example.com', code_hash: 'abc', attempts: 2, expires_at: 99, used_at: null },
      ]);
    } finally {
      upgraded.close();
    }
  });

  it('four processes opening one new file at once: all start, and each migration is applied once', async () => {
    const file = path.join(scratch, 'shared.sqlite');
    const runs = await Promise.all(Array.from({ length: 4 }, () => openInAnotherProcess(file)));
    expect(runs.map((run) => run.stderr.trim())).toEqual(['', '', '', '']);
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 0]);
    const db = openDatabase(file);
    try {
      const applied = versions(db);
      expect(applied.length).toBeGreaterThanOrEqual(2);
      expect(applied).toEqual(Array.from({ length: applied.length }, (_, i) => i + 1));
    } finally {
      db.close();
    }
  });
});
