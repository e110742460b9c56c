import { createHash } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PASSKEY_TABLE } from '../../lib/store/dynamodb-table';
import type { TestDynamoDb } from './dynalite';

/**
 * The passkey store's items as the app wrote them into the test's DynamoDB (the keys of
 * lib/store/dynamodb-table.ts), read and changed from outside the app, as an operator with the
 * AWS console would: to check what was stored, or to age an entry the server's clock cannot reach.
 */

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** The key of each kind of item (lib/store/dynamodb.ts). */
export const itemKey = {
  passkey: (id: string) => `passkey#${id}`,
  challenge: (challenge: string) => `challenge#${sha256(challenge)}`,
  code: (email: string) => `code#${email}`,
};

export interface StoreItems {
  get(pk: string): Promise<Record<string, unknown> | null>;
  /** Sets `values` on the item; false when there is no such item (nothing is created). */
  update(pk: string, values: Record<string, unknown>): Promise<boolean>;
  /** Every item of the table, ordered by key. */
  all(): Promise<Record<string, unknown>[]>;
  /** The stored passkey's counter, name and owner (its Cognito sub); null when there is none. */
  passkey(id: string): Promise<{ counter: number; name: string; owner: string } | null>;
}

export function storeItems(dynamo: Pick<TestDynamoDb, 'client' | 'table'>): StoreItems {
  const documents = DynamoDBDocumentClient.from(dynamo.client);
  const TableName = dynamo.table;
  const get = async (pk: string) =>
    (
      await documents.send(
        new GetCommand({ TableName, Key: { [PASSKEY_TABLE.partitionKey]: pk }, ConsistentRead: true }),
      )
    ).Item ?? null;
  return {
    get,
    async all() {
      const items: Record<string, unknown>[] = [];
      for await (const page of paginateScan({ client: documents }, { TableName, ConsistentRead: true }))
        items.push(...(page.Items ?? []));
      const pk = (item: Record<string, unknown>) => String(item[PASSKEY_TABLE.partitionKey]);
      return items.sort((a, b) => pk(a).localeCompare(pk(b)));
    },
    async update(pk, values) {
      const names = Object.keys(values);
      try {
        await documents.send(
          new UpdateCommand({
            TableName,
            Key: { [PASSKEY_TABLE.partitionKey]: pk },
            UpdateExpression: `SET ${names.map((_, i) => `#n${i} = :v${i}`).join(', ')}`,
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: {
              '#pk': PASSKEY_TABLE.partitionKey,
              ...Object.fromEntries(names.map((name, i) => [`#n${i}`, name])),
            },
            ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:v${i}`, values[name]])),
          }),
        );
        return true;
      } catch (error) {
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
    async passkey(id) {
      const item = await get(itemKey.passkey(id));
      return item ? { counter: item.counter as number, name: item.name as string, owner: item.owner as string } : null;
    },
  };
}
