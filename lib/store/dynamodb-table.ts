/**
 * The DynamoDB table of the self-hosted passkey layer, defined once for the app, the infra
 * stack (infra/lib), the tests and the bench. One table holds every kind of item, told apart by
 * the prefix of its key:
 *
 * | pk                        | item                      | other attributes                                         |
 * | ------------------------- | ------------------------- | -------------------------------------------------------- |
 * | `passkey#<credential id>` | a credential              | owner (GSI), createdAt (GSI sort), counter, publicKey... |
 * | `details#<credential id>` | a Cognito passkey's notes | detailsOf (its owner, not indexed), aaguid, name, addedAt, lastUsedAt |
 * | `challenge#<sha256>`      | a ceremony challenge      | browserHash, purpose, challenge, forSub, expiresAt, ttl  |
 * | `code#<email>`            | an email code             | codeHash, attempts, usedAt, expiresAt, ttl               |
 * | `probe#readiness`         | the readiness probe       | probedAt, ttl                                            |
 *
 * No imports: infra/ (its own package) reads this file as it is.
 */

export const PASSKEY_TABLE = {
  partitionKey: 'pk',
  /** Epoch seconds, as DynamoDB's TTL wants; it deletes expired items within days, not at once. */
  ttlAttribute: 'ttl',
  /** A user's credentials: partition `owner` (Cognito sub), sorted by `createdAt` (ms). */
  ownerIndex: { name: 'byOwner', partitionKey: 'owner', sortKey: 'createdAt' },
} as const;

/** CreateTable's input (on demand, the owner index keys only), for tests, the bench and local runs. */
export function passkeyTableDefinition(tableName: string) {
  const { partitionKey, ownerIndex } = PASSKEY_TABLE;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' as const },
      { AttributeName: ownerIndex.partitionKey, AttributeType: 'S' as const },
      { AttributeName: ownerIndex.sortKey, AttributeType: 'N' as const },
    ],
    KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' as const }],
    GlobalSecondaryIndexes: [
      {
        IndexName: ownerIndex.name,
        KeySchema: [
          { AttributeName: ownerIndex.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: ownerIndex.sortKey, KeyType: 'RANGE' as const },
        ],
        // Keys only: the credentials themselves are read from the table, consistently.
        Projection: { ProjectionType: 'KEYS_ONLY' as const },
      },
    ],
  };
}
