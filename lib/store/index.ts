import 'server-only';
import { getConfig } from '../config';
import { createDynamoDbStore } from './dynamodb';
import type { PasskeyStore } from './passkey-store';
import { tracedStore } from '../telemetry/store';

let store: PasskeyStore | undefined;

/**
 * The one store of the process: the DynamoDB table of lib/config (on AWS, or the embedded
 * DynamoDB the launcher starts). Each call runs in a span `store.<method>` (lib/telemetry/store.ts).
 */
export function passkeyStore(): PasskeyStore {
  if (!store) {
    const table = getConfig().passkeyStore;
    // Corbado Complete keeps no state here, and nothing of it asks for the store.
    if (!table) throw new Error('the passkey store is not configured: Corbado Complete keeps no state here');
    store = tracedStore(createDynamoDbStore(table), 'dynamodb');
  }
  return store;
}
