import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { passkeyTableDefinition } from '../../lib/store/dynamodb-table';

/**
 * DynamoDB for the tests: dynalite (npm, in-process, in memory) on a random port of 127.0.0.1,
 * with the passkey table created from the same definition the app and infra/ use. dynalite has
 * no TTL sweeper and no transactions: expiry is the app's own check, single use a conditional
 * write, exactly as against AWS.
 */

export interface TestDynamoDb {
  endpoint: string;
  table: string;
  /** The app's environment for this table (dynalite accepts any credentials). */
  env: Record<string, string>;
  client: DynamoDBClient;
  /** Requests dynalite received, per operation (GetItem, Query, ...), as the server counted them. */
  calls: Map<string, number>;
  stop(): Promise<void>;
}

/** dynalite checks no signature, but the SDK signs every request: any fixed key pair will do. */
export const DYNALITE_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'dynalite', AWS_SECRET_ACCESS_KEY: 'dynalite' };

export async function startTestDynamoDb(table = 'cognito-passkeys-test'): Promise<TestDynamoDb> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const calls = new Map<string, number>();
  server.prependListener('request', (request) => {
    // X-Amz-Target: DynamoDB_20120810.<Operation>
    const operation = String(request.headers['x-amz-target'] ?? 'unknown')
      .split('.')
      .pop()!;
    calls.set(operation, (calls.get(operation) ?? 0) + 1);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: {
      accessKeyId: DYNALITE_CREDENTIALS.AWS_ACCESS_KEY_ID,
      secretAccessKey: DYNALITE_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
    },
  });
  await client.send(new CreateTableCommand(passkeyTableDefinition(table)));
  return {
    endpoint,
    table,
    env: {
      PASSKEY_STORE: 'dynamodb',
      DYNAMODB_TABLE: table,
      DYNAMODB_ENDPOINT: endpoint,
      DYNAMODB_REGION: 'us-east-1',
      ...DYNALITE_CREDENTIALS,
    },
    client,
    calls,
    async stop() {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
