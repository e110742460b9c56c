import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import {
  dynamoDbDirectory,
  EMBEDDED_PASSKEY_TABLE,
  refuseOldSqliteStore,
  startEmbeddedDynamoDb,
} from '@/embedded-cognito/dynamodb';

/** The embedded default's DynamoDB (dynalite on LevelDB files under DATA_DIR), as the launcher starts it. */

const scratch = mkdtempSync(path.join(tmpdir(), 'embedded-dynamodb-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const mode = (file: string) => statSync(file).mode & 0o777;

describe('the embedded DynamoDB', () => {
  it('binds a free port itself and reports it, with the passkey table ready and the variables that point the app at it', async () => {
    const dynamo = await startEmbeddedDynamoDb({ dataDir: path.join(scratch, 'port') });
    try {
      const { port } = dynamo.server.address() as { port: number };
      expect(port).toBeGreaterThan(0);
      expect(dynamo.endpoint).toBe(`http://127.0.0.1:${port}`);
      expect(dynamo.variables).toMatchObject({
        DYNAMODB_TABLE: EMBEDDED_PASSKEY_TABLE,
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        DYNAMODB_REGION: 'us-east-1',
      });
      const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: EMBEDDED_PASSKEY_TABLE }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byOwner']);
    } finally {
      await dynamo.close();
    }
  });

  it('keeps its items across a restart on the same data folder, in a folder only its owner may open', async () => {
    const dataDir = path.join(scratch, 'restart');
    const item = { pk: { S: 'passkey#kept' }, owner: { S: 'sub-1' }, createdAt: { N: '1' } };
    const first = await startEmbeddedDynamoDb({ dataDir });
    await first.client.send(new PutItemCommand({ TableName: EMBEDDED_PASSKEY_TABLE, Item: item }));
    await first.close();

    const second = await startEmbeddedDynamoDb({ dataDir });
    try {
      const { Item } = await second.client.send(
        new GetItemCommand({ TableName: EMBEDDED_PASSKEY_TABLE, Key: { pk: item.pk }, ConsistentRead: true }),
      );
      expect(Item).toEqual(item);
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(dynamoDbDirectory(dataDir))).toBe(0o700);
    } finally {
      await second.close();
    }
  });
});

describe('a data folder made by an earlier version (its SQLite passkey store)', () => {
  it('is refused with one line saying how to start afresh, and left as it is', () => {
    const dataDir = mkdtempSync(path.join(scratch, 'old-'));
    const file = path.join(dataDir, 'passkeys.sqlite');
    writeFileSync(file, 'SQLite format 3\0');
    expect(() => refuseOldSqliteStore(dataDir)).toThrow(
      new RegExp(
        `^${file.replace(/[.]/g, '\\.')} is the passkey store of an earlier version.*delete it to start afresh`,
      ),
    );
    expect(statSync(file).size).toBe(16);
  });

  it('a folder without it starts as usual', () => {
    expect(() => refuseOldSqliteStore(mkdtempSync(path.join(scratch, 'new-')))).not.toThrow();
  });
});
