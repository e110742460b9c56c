import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
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
