import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The data folder holds passwords in clear (cognito-local keeps them so), the token signing key,
 * the emulator's access key and the app's secrets: only the developer's own account may read it.
 * Files are created 0600 and folders 0700 whatever the umask, and a folder made by an older
 * version (0644 files) is tightened when the emulator opens it.
 */

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export function ensurePrivateDir(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(directory, PRIVATE_DIR_MODE);
}

/** Writes `file` readable by its owner alone, even when it already existed with a wider mode. */
export function writePrivateFile(file: string, content: string): void {
  writeFileSync(file, content, { mode: PRIVATE_FILE_MODE });
  chmodSync(file, PRIVATE_FILE_MODE);
}

/** Every folder under `directory` (itself included) to 0700 and every file to 0600. */
export function tightenTree(directory: string): void {
  chmodSync(directory, PRIVATE_DIR_MODE);
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const child = path.join(directory, entry.name);
    if (entry.isDirectory()) tightenTree(child);
    else if (entry.isFile()) chmodSync(child, PRIVATE_FILE_MODE);
  }
}

/**
 * The files the app and the launcher keep at the top of the data folder (generated secrets, the
 * email outbox). Only these are tightened there, not the whole folder: DATA_DIR may point
 * anywhere, and nothing else in it is ours to change. The embedded DynamoDB's folder is
 * tightened when it starts (dynamodb.ts).
 */
const APP_DATA_FILES = ['secrets.json', 'outbox.jsonl'];

/** The data folder 0700, the emulator's folder tree and the app's own files in it owner-only. */
export function tightenDataFolder(dataDir: string, emulatorDir: string): void {
  ensurePrivateDir(dataDir);
  tightenTree(emulatorDir);
  for (const name of APP_DATA_FILES) {
    const file = path.join(dataDir, name);
    if (existsSync(file)) chmodSync(file, PRIVATE_FILE_MODE);
  }
}
