import { readFileSync, existsSync } from 'node:fs';
import { chmod, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from 'cognito-local/lib/services/context';
import type { DataStore } from 'cognito-local/lib/services/dataStore/dataStore';
import type { DataStoreFactory } from 'cognito-local/lib/services/dataStore/factory';
import { ensurePrivateDir, PRIVATE_FILE_MODE, writePrivateFile } from './private-files';

/**
 * cognito-local's data store, written behind. Its own (StormDB) keeps each file's content in
 * memory but rewrites the whole file inside every write operation, pretty-printed through a JS
 * replacer, and waits for the disk; as the emulator runs one operation at a time, every sign-up
 * held up all other calls for two full rewrites of the pool (~0.5 s at 10,000 users on the
 * bench machine; docs/BENCHMARKS.md). Here an operation changes the in-memory content and
 * returns; the file follows a moment later with every change of that moment, one write per file
 * at a time, each atomic (temporary file, then rename), as plain JSON (Dates become the same ISO
 * strings through Date#toJSON), which cognito-local reads back unchanged. flush() writes what is
 * pending at once and waits for it; the emulator's close() calls it. Every file is 0600: a pool
 * file holds its users' passwords in clear (private-files.ts).
 */

/**
 * How long changes gather before the file is written, so a burst of operations costs one write:
 * at least 100 ms, and at least 10 times as long as the last write took to serialize, so that
 * rewriting a large pool (JSON.stringify is O(pool) and blocks the event loop) takes at most a
 * tenth of the emulator's time however busy it is.
 */
const WRITE_DELAY_MS = 100;
const WRITE_TIME_SHARE = 10;

type Tree = Record<string, unknown>;

/** cognito-local stores `...Date` fields as ISO strings and revives them as Date objects. */
function reviveDates(key: string, value: unknown): unknown {
  if (!key.endsWith('Date')) return value;
  if (typeof value === 'number' || typeof value === 'string') return new Date(value);
  throw new Error(`Deserialize: expected ${key} to hold a string or number`);
}

/** Writes one file behind its changes: one write in flight, changes gathered for the next. */
export class WriteBehindFile {
  private writing: Promise<void> | null = null;
  private pending = false;
  private wake: (() => void) | null = null;
  private delayMs = WRITE_DELAY_MS;

  constructor(
    readonly file: string,
    private readonly content: () => string,
  ) {}

  /** Now, synchronously (on creation). */
  writeNow(): void {
    writePrivateFile(this.file, this.content());
  }

  changed(): void {
    this.pending = true;
    this.writing ??= this.drain();
  }

  /** Writes pending changes at once and waits until they are on disk. */
  async flush(): Promise<void> {
    while (this.writing) {
      this.wake?.();
      await this.writing;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.delayMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
        this.pending = false;
        const temporary = `${this.file}.tmp`;
        const started = performance.now();
        const content = this.content();
        this.delayMs = Math.max(WRITE_DELAY_MS, WRITE_TIME_SHARE * (performance.now() - started));
        await writeFile(temporary, content, { mode: PRIVATE_FILE_MODE });
        // A temporary file left by a crash keeps its old mode through writeFile; rename keeps this one.
        await chmod(temporary, PRIVATE_FILE_MODE);
        await rename(temporary, this.file);
      }
    } catch (error) {
      console.error(`embedded Cognito: could not write ${this.file}: ${(error as Error).message}`);
    } finally {
      this.writing = null;
    }
  }
}

const INDEXED_ATTRIBUTES = ['sub', 'email', 'phone_number'] as const;
type IndexedAttribute = (typeof INDEXED_ATTRIBUTES)[number];
interface StoredUser {
  Attributes?: { Name: string; Value?: string }[];
}

type Holders = Map<string, Set<string>>;

function addHolder(holders: Holders, value: string, username: string): void {
  if (!holders.has(value)) holders.set(value, new Set());
  holders.get(value)!.add(username);
}

function dropHolder(holders: Holders, value: string, username: string): void {
  const set = holders.get(value);
  set?.delete(username);
  if (set?.size === 0) holders.delete(value);
}

/**
 * The usernames holding each sub, email and phone number, kept in step with every write of
 * `Users/<username>`, so a user can be found by alias without reading every user
 * (user-pool.ts). It records what it indexed per user, so a user object changed in place before
 * it is saved again is still unindexed correctly. Usernames and values are also indexed
 * lower-cased, for pools whose usernames are case-insensitive.
 */
export class UserIndex {
  private readonly byValue = new Map<IndexedAttribute, Holders>(INDEXED_ATTRIBUTES.map((name) => [name, new Map()]));
  private readonly byFoldedValue = new Map<IndexedAttribute | 'username', Holders>(
    [...INDEXED_ATTRIBUTES, 'username' as const].map((name) => [name, new Map()]),
  );
  private readonly indexed = new Map<string, [IndexedAttribute, string][]>();

  /** Usernames whose attribute `name` is `value`. */
  find(name: IndexedAttribute, value: string): ReadonlySet<string> {
    return this.byValue.get(name)!.get(value) ?? new Set();
  }

  /** Usernames whose attribute `name` (or whose username) is `value` in any capitalization. */
  findIgnoringCase(name: IndexedAttribute | 'username', value: string): ReadonlySet<string> {
    return this.byFoldedValue.get(name)!.get(value.toLowerCase()) ?? new Set();
  }

  put(username: string, user: StoredUser | undefined): void {
    this.remove(username);
    if (!user || typeof user !== 'object') return;
    const entries: [IndexedAttribute, string][] = [];
    for (const { Name, Value } of user.Attributes ?? []) {
      const name = INDEXED_ATTRIBUTES.find((indexed) => indexed === Name);
      if (!name || !Value) continue;
      addHolder(this.byValue.get(name)!, Value, username);
      addHolder(this.byFoldedValue.get(name)!, Value.toLowerCase(), username);
      entries.push([name, Value]);
    }
    addHolder(this.byFoldedValue.get('username')!, username.toLowerCase(), username);
    this.indexed.set(username, entries);
  }

  remove(username: string): void {
    const entries = this.indexed.get(username);
    if (!entries) return;
    for (const [name, value] of entries) {
      dropHolder(this.byValue.get(name)!, value, username);
      dropHolder(this.byFoldedValue.get(name)!, value.toLowerCase(), username);
    }
    dropHolder(this.byFoldedValue.get('username')!, username.toLowerCase(), username);
    this.indexed.delete(username);
  }

  rebuild(users: unknown): void {
    for (const username of [...this.indexed.keys()]) this.remove(username);
    if (users && typeof users === 'object') {
      for (const [username, user] of Object.entries(users)) this.put(username, user as StoredUser);
    }
  }
}

export class WriteBehindDataStore implements DataStore {
  private readonly file: WriteBehindFile;
  /** Kept in step with `Users`, for pool files; empty for the others. */
  readonly users = new UserIndex();

  private constructor(
    private readonly tree: Tree,
    file: string,
  ) {
    this.file = new WriteBehindFile(file, () => JSON.stringify(this.tree));
    this.users.rebuild(tree.Users);
  }

  static open(file: string, defaults: object): WriteBehindDataStore {
    let tree: Tree = {};
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      tree = text ? (JSON.parse(text, reviveDates) as Tree) : {};
    }
    if (Object.keys(tree).length === 0) tree = structuredClone(defaults) as Tree;
    const store = new WriteBehindDataStore(tree, file);
    store.file.writeNow();
    return store;
  }

  private static path(key: string | string[]): string[] {
    return Array.isArray(key) ? key : [key];
  }

  async getRoot<T>(_ctx: Context): Promise<T | null> {
    return (this.tree as T) ?? null;
  }

  async get<T>(_ctx: Context, key: string | string[], defaultValue?: T): Promise<T | null> {
    let node: unknown = this.tree;
    for (const part of WriteBehindDataStore.path(key)) {
      if (node === null || typeof node !== 'object') return defaultValue ?? null;
      node = (node as Tree)[part];
    }
    return (node as T | undefined) ?? defaultValue ?? null;
  }

  async set<T>(_ctx: Context, key: string | string[], value: T): Promise<void> {
    const parts = WriteBehindDataStore.path(key);
    let node = this.tree;
    for (const part of parts.slice(0, -1)) {
      if (node[part] === null || typeof node[part] !== 'object') node[part] = {};
      node = node[part] as Tree;
    }
    node[parts[parts.length - 1]!] = value;
    this.indexChange(parts);
    this.file.changed();
  }

  async delete(_ctx: Context, key: string | string[]): Promise<void> {
    const parts = WriteBehindDataStore.path(key);
    const parent = await this.get<Tree>(_ctx, parts.slice(0, -1));
    if (parent && typeof parent === 'object') delete parent[parts[parts.length - 1]!];
    this.indexChange(parts);
    this.file.changed();
  }

  /** After a write or delete at `parts`: re-index the user (or all users) it touched. */
  private indexChange(parts: string[]): void {
    if (parts[0] !== 'Users') return;
    const users = this.tree.Users as Record<string, StoredUser> | undefined;
    if (parts.length === 1) this.users.rebuild(users);
    else this.users.put(parts[1]!, users?.[parts[1]!]);
  }

  flush(): Promise<void> {
    return this.file.flush();
  }
}

export class WriteBehindDataStoreFactory implements DataStoreFactory {
  private readonly stores: WriteBehindDataStore[] = [];

  constructor(private readonly directory: string) {}

  async create(_ctx: Context, id: string, defaults: object): Promise<WriteBehindDataStore> {
    ensurePrivateDir(this.directory);
    const store = WriteBehindDataStore.open(path.join(this.directory, `${id}.json`), defaults);
    this.stores.push(store);
    return store;
  }

  /** Waits until every change so far is on disk. */
  async flush(): Promise<void> {
    await Promise.all(this.stores.map((store) => store.flush()));
  }
}
