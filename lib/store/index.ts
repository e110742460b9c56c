import 'server-only';
import path from 'node:path';
import { getConfig } from '../config';
import { createDynamoDbStore } from './dynamodb';
import type { PasskeyStore } from './passkey-store';
import { createSqliteStore } from './sqlite';
import { tracedStore } from '../telemetry/store';

let store: PasskeyStore | undefined;

/**
 * The one store of the process, the backend PASSKEY_STORE names (lib/config.ts). Each call runs
 * in a span `store.<method>` (lib/telemetry/store.ts), whichever backend answers it.
 */
export function passkeyStore(): PasskeyStore {
  if (!store) {
    const { passkeyStore: chosen, dataDir } = getConfig();
    const backend =
      chosen.backend === 'dynamodb'
        ? createDynamoDbStore(chosen)
        : createSqliteStore(path.join(dataDir, 'passkeys.sqlite'));
    store = tracedStore(backend, chosen.backend);
  }
  return store;
}
