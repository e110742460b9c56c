import 'server-only';
import path from 'node:path';
import { getConfig } from '../config';
import { createDynamoDbStore } from './dynamodb';
import type { PasskeyStore } from './passkey-store';
import { createSqliteStore } from './sqlite';

let store: PasskeyStore | undefined;

/** The one store of the process, the backend PASSKEY_STORE names (lib/config.ts). */
export function passkeyStore(): PasskeyStore {
  if (!store) {
    const { passkeyStore: chosen, dataDir } = getConfig();
    store = chosen.backend === 'dynamodb' ? createDynamoDbStore(chosen) : createSqliteStore(path.join(dataDir, 'passkeys.sqlite'));
  }
  return store;
}
