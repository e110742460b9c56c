import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { passkeyTableDefinition } from '../lib/store/dynamodb-table';
import { ensurePrivateDir, tightenTree } from './private-files';

/**
 * DynamoDB for the embedded default, as the embedded Cognito stands in for Cognito: dynalite (npm,
 * in-process) on a port of 127.0.0.1, its data in LevelDB files under the data folder (kept across
 * restarts), or in memory for the tests. The app reaches it through the same DynamoDB store and
 * table definition production uses. Only the launcher and the tests import this: never the app.
 */

export const EMBEDDED_PASSKEY_TABLE = 'cognito-passkeys';
/** dynalite checks no signature, but the SDK signs every request: any fixed key pair will do. */
export const DYNALITE_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'dynalite', AWS_SECRET_ACCESS_KEY: 'dynalite' };
const REGION = 'us-east-1';

export interface EmbeddedDynamoDb {
  endpoint: string;
  table: string;
  /** The app's environment for this table. */
  variables: Record<string, string>;
  /** An SDK client for the table, as an admin tool (or a test) would use it. */
  client: DynamoDBClient;
  server: Server;
  close(): Promise<void>;
}

/** Where the embedded DynamoDB keeps its LevelDB files in a data folder. */
export function dynamoDbDirectory(dataDir: string): string {
  return path.join(dataDir, 'dynamodb');
}

/**
 * The passkey store of a version before the embedded DynamoDB, which this one no longer reads:
 * migrating it would need SQLite back in the install (the compile this change removes) for a
 * development folder whose users can sign in by email code and add a passkey again.
 */
export function refuseOldSqliteStore(dataDir: string): void {
  const file = path.join(dataDir, 'passkeys.sqlite');
  if (existsSync(file)) {
    throw new Error(
      `${file} is the passkey store of an earlier version, which this one no longer reads: delete it to start afresh (its passkeys are lost; the users stay and sign in by email code)`,
    );
  }
}

/**
 * Starts dynalite on `port` (0: any free one; the port it got is in `endpoint`) with its files
 * under `dataDir` (none: in memory), and creates the passkey table unless it is there already.
 */
export async function startEmbeddedDynamoDb(
  options: { dataDir?: string; port?: number; table?: string } = {},
): Promise<EmbeddedDynamoDb> {
  const table = options.table ?? EMBEDDED_PASSKEY_TABLE;
  let directory: string | undefined;
  if (options.dataDir) {
    directory = dynamoDbDirectory(options.dataDir);
    ensurePrivateDir(options.dataDir);
    ensurePrivateDir(directory);
    // LevelDB writes its files with the umask's mode; the folder above keeps them owner-only.
    tightenTree(directory);
  }
  const server = dynalite({ path: directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    region: REGION,
    endpoint,
    credentials: {
      accessKeyId: DYNALITE_CREDENTIALS.AWS_ACCESS_KEY_ID,
      secretAccessKey: DYNALITE_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
    },
  });
  const close = async () => {
    client.destroy();
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    await client.send(new CreateTableCommand(passkeyTableDefinition(table)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) {
      await close();
      throw error;
    }
  }
  // As against AWS, the table serves only once ACTIVE: with createTableMs 0 dynalite flips it a
  // moment after CreateTable answers (a write of its own), and a busy machine saw it still CREATING.
  await untilTableActive(client, table).catch(async (error: unknown) => {
    await close();
    throw error;
  });
  return {
    endpoint,
    table,
    variables: { DYNAMODB_TABLE: table, DYNAMODB_ENDPOINT: endpoint, DYNAMODB_REGION: REGION, ...DYNALITE_CREDENTIALS },
    client,
    server,
    close,
  };
}

async function untilTableActive(client: DynamoDBClient, table: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`The embedded DynamoDB table ${table} stayed ${Table?.TableStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
