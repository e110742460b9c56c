import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  ensurePrivateDir,
  tightenDataFolder,
  tightenTree,
  writePrivateFile,
} from '@/embedded-cognito/private-files';

/** The data folder holds clear-text passwords and keys: owner-only, whatever the umask. */

const mode = (file: string) => statSync(file).mode & 0o777;
let root: string;
let umask: number;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'private-files-'));
  // The most permissive umask: every mode below comes from the module, not from the process.
  umask = process.umask(0);
});
afterEach(() => {
  process.umask(umask);
  rmSync(root, { recursive: true, force: true });
});

describe('private files', () => {
  it('uses 0600 for files and 0700 for folders', () => {
    expect(PRIVATE_FILE_MODE).toBe(0o600);
    expect(PRIVATE_DIR_MODE).toBe(0o700);
  });

  it('creates a folder (and its parents) 0700', () => {
    const folder = path.join(root, 'a', 'b');
    ensurePrivateDir(folder);
    expect(mode(folder)).toBe(0o700);
  });

  it('tightens a folder that already existed wide open', () => {
    const folder = path.join(root, 'open');
    mkdirSync(folder, { mode: 0o777 });
    expect(mode(folder)).toBe(0o777);
    ensurePrivateDir(folder);
    expect(mode(folder)).toBe(0o700);
  });

  it('writes a new file 0600', () => {
    const file = path.join(root, 'secrets.json');
    writePrivateFile(file, '{"k":1}');
    expect(mode(file)).toBe(0o600);
  });

  it('overwrites a world-readable file and leaves it 0600', () => {
    const file = path.join(root, 'access-key.json');
    writeFileSync(file, 'old', { mode: 0o644 });
    expect(mode(file)).toBe(0o644);
    writePrivateFile(file, 'new');
    expect(mode(file)).toBe(0o600);
    expect(statSync(file).size).toBe(3);
  });

  it('tightens a whole tree: every folder 0700, every file 0600', () => {
    const deep = path.join(root, 'emulator', 'db', 'nested');
    mkdirSync(deep, { recursive: true, mode: 0o755 });
    const files = [path.join(root, 'emulator', 'clients.json'), path.join(deep, 'pool.json')];
    for (const file of files) writeFileSync(file, '{}', { mode: 0o666 });
    tightenTree(path.join(root, 'emulator'));
    for (const folder of [path.join(root, 'emulator'), path.join(root, 'emulator', 'db'), deep])
      expect(mode(folder)).toBe(0o700);
    for (const file of files) expect(mode(file)).toBe(0o600);
  });

  it("tightens the app's own files in DATA_DIR, and leaves the user's other files alone", () => {
    const emulator = path.join(root, 'cognito');
    mkdirSync(emulator, { mode: 0o755 });
    writeFileSync(path.join(emulator, 'local.json'), '{}', { mode: 0o644 });
    const own = ['secrets.json', 'outbox.jsonl'];
    for (const name of own) writeFileSync(path.join(root, name), '', { mode: 0o644 });
    writeFileSync(path.join(root, 'notes.txt'), '', { mode: 0o644 });
    chmodSync(root, 0o755);

    tightenDataFolder(root, emulator);

    expect(mode(root)).toBe(0o700);
    expect(mode(emulator)).toBe(0o700);
    expect(mode(path.join(emulator, 'local.json'))).toBe(0o600);
    for (const name of own) expect([name, mode(path.join(root, name))]).toEqual([name, 0o600]);
    expect(mode(path.join(root, 'notes.txt'))).toBe(0o644);
  });

  it('tightens a data folder where some of its files do not exist yet', () => {
    const emulator = path.join(root, 'cognito');
    mkdirSync(emulator);
    expect(() => tightenDataFolder(root, emulator)).not.toThrow();
    expect(mode(root)).toBe(0o700);
  });
});
