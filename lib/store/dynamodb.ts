import 'server-only';
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { AppError } from '../errors';
import { log } from '../telemetry/log';
import { PASSKEY_TABLE } from './dynamodb-table';
import {
  refusedEmailCodeTry,
  type CeremonyChallenge,
  type CeremonyPurpose,
  type PasskeyDetails,
  type PasskeyStore,
  type StoredPasskey,
} from './passkey-store';

/**
 * The DynamoDB store: one table shared by any number of app instances (lib/store/dynamodb-table.ts
 * describes its items). Every single-use or monotonic rule is a conditional write; reads that
 * decide anything are strongly consistent. Items that expire carry a TTL, but DynamoDB deletes
 * them late, so every expiry is also checked here or by the caller.
 */

export interface DynamoDbStoreOptions {
  table: string;
  region: string;
  /** A DynamoDB-compatible endpoint (dynalite, a local emulator); null for AWS. */
  endpoint: string | null;
}

/** Per attempt, with the SDK's 3 attempts: a stalled table costs a request a few seconds, then 503. */
const CALL_BUDGET = { attemptTimeoutMs: 2_000, maxAttempts: 3 } as const;
const { partitionKey: PK, ttlAttribute: TTL, ownerIndex } = PASSKEY_TABLE;

const ttlOf = (expiresAtMs: number) => Math.ceil(expiresAtMs / 1000);
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const passkeyKey = (id: string) => ({ [PK]: `passkey#${id}` });
// The challenge comes from the browser's clientDataJSON: hashed, its length cannot reach the key.
const challengeKey = (challenge: string) => ({ [PK]: `challenge#${sha256(challenge)}` });
const codeKey = (email: string) => ({ [PK]: `code#${email}` });
const detailsKey = (credentialId: string) => ({ [PK]: `details#${credentialId}` });

/** A details item as the table holds it: its owner is not `owner`, so the owner index never lists it. */
const detailsFromItem = (item: Record<string, unknown>): PasskeyDetails => ({
  credentialId: item.credentialId as string,
  userSub: item.detailsOf as string,
  aaguid: (item.aaguid as string | undefined) ?? null,
  name: (item.name as string | undefined) ?? null,
  createdAt: (item.addedAt as number | undefined) ?? null,
  lastUsedAt: (item.lastUsedAt as number | undefined) ?? null,
});

/**
 * `codeHash IN (:hash0, :hash1, ...)` and its values: the stored code is any of `hashes` (the
 * code keyed with each accepted secret). DynamoDB refuses an empty IN list; there is always one.
 */
function codeHashIn(hashes: readonly string[]) {
  const values = Object.fromEntries(hashes.map((hash, i) => [`:hash${i}`, hash]));
  return { condition: `codeHash IN (${Object.keys(values).join(', ')})`, values };
}
const PROBE_KEY = { [PK]: 'probe#readiness' };

/** A stored passkey as the table holds it: its user under the owner index's key. */
type PasskeyItem = Omit<StoredPasskey, 'userSub' | 'publicKey'> & { owner: string; publicKey: Uint8Array };

const fromItem = (item: Record<string, unknown>): StoredPasskey => {
  const row = item as unknown as PasskeyItem;
  return {
    id: row.id,
    userSub: row.owner,
    email: row.email,
    publicKey: new Uint8Array(row.publicKey),
    counter: row.counter,
    transports: row.transports,
    deviceType: row.deviceType,
    backedUp: row.backedUp,
    // Passkeys stored before the AAGUID was kept have none.
    aaguid: row.aaguid ?? null,
    name: row.name,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
  };
};

/** A condition that did not hold is an answer (taken, used, not theirs); anything else is an outage. */
async function conditional<T>(write: Promise<T>): Promise<T | null> {
  try {
    return await write;
  } catch (error) {
    if (
      error instanceof ConditionalCheckFailedException ||
      (error as { name?: unknown })?.name === 'ConditionalCheckFailedException'
    ) {
      return null;
    }
    throw error;
  }
}

/** Any failure of DynamoDB itself becomes a 503 for the user; the details go to the log. */
function unavailable(error: unknown): never {
  if (error instanceof AppError) throw error;
  log.error('passkey_store_unavailable', { error });
  throw new AppError('upstream_unavailable', undefined, { cause: error });
}

export function createDynamoDbStore(options: DynamoDbStoreOptions): PasskeyStore {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      maxAttempts: CALL_BUDGET.maxAttempts,
      requestHandler: {
        requestTimeout: CALL_BUDGET.attemptTimeoutMs,
        throwOnRequestTimeout: true,
        httpAgent: { keepAlive: true },
        httpsAgent: { keepAlive: true },
      },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const TableName = options.table;

  const store: PasskeyStore = {
    async saveChallenge({ browserHash, purpose, challenge, userSub, expiresAt }) {
      await client.send(
        new PutCommand({
          TableName,
          Item: {
            ...challengeKey(challenge),
            browserHash,
            purpose,
            challenge,
            forSub: userSub,
            expiresAt,
            [TTL]: ttlOf(expiresAt),
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
    },

    async takeChallenge(browserHash: string, purpose: CeremonyPurpose, challenge: string) {
      const taken = await conditional(
        client.send(
          new DeleteCommand({
            TableName,
            Key: challengeKey(challenge),
            // Only the browser it was given to, for this purpose; of concurrent takes, one deletes it.
            ConditionExpression: 'browserHash = :browser AND purpose = :purpose AND challenge = :challenge',
            ExpressionAttributeValues: { ':browser': browserHash, ':purpose': purpose, ':challenge': challenge },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      const item = taken?.Attributes;
      if (!item) return null;
      return {
        browserHash,
        purpose,
        challenge,
        userSub: (item.forSub as string | null) ?? null,
        expiresAt: item.expiresAt as number,
      } satisfies CeremonyChallenge;
    },

    async insertPasskey(passkey) {
      const inserted = await conditional(
        client.send(
          new PutCommand({
            TableName,
            Item: {
              ...passkeyKey(passkey.id),
              id: passkey.id,
              [ownerIndex.partitionKey]: passkey.userSub,
              email: passkey.email,
              publicKey: passkey.publicKey,
              counter: passkey.counter,
              transports: passkey.transports,
              deviceType: passkey.deviceType,
              backedUp: passkey.backedUp,
              aaguid: passkey.aaguid ?? undefined,
              name: passkey.name,
              [ownerIndex.sortKey]: passkey.createdAt,
              lastUsedAt: passkey.lastUsedAt,
            },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }),
        ),
      );
      return inserted !== null;
    },

    async findPasskey(id) {
      const { Item } = await client.send(new GetCommand({ TableName, Key: passkeyKey(id), ConsistentRead: true }));
      return Item ? fromItem(Item) : null;
    },

    async listPasskeys(userSub) {
      // The index is eventually consistent: it names the candidates, and the table (read
      // consistently) says which still exist, so a passkey deleted anywhere never shows.
      const ids: string[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName,
            IndexName: ownerIndex.name,
            KeyConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': ownerIndex.partitionKey },
            ExpressionAttributeValues: { ':owner': userSub },
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) ids.push(item[PK] as string);
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      const found: StoredPasskey[] = [];
      for (let start = 0; start < ids.length; start += 100) {
        let keys: Record<string, unknown>[] | undefined = ids.slice(start, start + 100).map((pk) => ({ [PK]: pk }));
        while (keys?.length) {
          const batch: BatchGetCommandOutput = await client.send(
            new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys, ConsistentRead: true } } }),
          );
          found.push(...(batch.Responses?.[TableName] ?? []).map(fromItem));
          keys = batch.UnprocessedKeys?.[TableName]?.Keys;
        }
      }
      return found.filter((passkey) => passkey.userSub === userSub).sort((a, b) => a.createdAt - b.createdAt);
    },

    async recordPasskeyUse(id, counter, usedAt) {
      const updated = await conditional(
        client.send(
          new UpdateCommand({
            TableName,
            Key: passkeyKey(id),
            UpdateExpression: 'SET #counter = :counter, lastUsedAt = :usedAt',
            // Forward only; an authenticator that keeps no counter (0) stays at 0.
            ConditionExpression:
              counter === 0
                ? 'attribute_exists(#pk) AND #counter = :counter'
                : 'attribute_exists(#pk) AND #counter < :counter',
            ExpressionAttributeNames: { '#pk': PK, '#counter': 'counter' },
            ExpressionAttributeValues: { ':counter': counter, ':usedAt': usedAt },
          }),
        ),
      );
      return updated !== null;
    },

    async renamePasskey(userSub, id, name) {
      const updated = await conditional(
        client.send(
          new UpdateCommand({
            TableName,
            Key: passkeyKey(id),
            UpdateExpression: 'SET #name = :name',
            ConditionExpression: 'attribute_exists(#pk) AND #owner = :owner',
            ExpressionAttributeNames: { '#pk': PK, '#name': 'name', '#owner': ownerIndex.partitionKey },
            ExpressionAttributeValues: { ':name': name, ':owner': userSub },
          }),
        ),
      );
      return updated !== null;
    },

    async deletePasskey(userSub, id) {
      const deleted = await conditional(
        client.send(
          new DeleteCommand({
            TableName,
            Key: passkeyKey(id),
            ConditionExpression: 'attribute_exists(#pk) AND #owner = :owner',
            ExpressionAttributeNames: { '#pk': PK, '#owner': ownerIndex.partitionKey },
            ExpressionAttributeValues: { ':owner': userSub },
          }),
        ),
      );
      return deleted !== null;
    },

    async savePasskeyDetails(details) {
      const saved = await conditional(
        client.send(
          new PutCommand({
            TableName,
            Item: {
              ...detailsKey(details.credentialId),
              credentialId: details.credentialId,
              detailsOf: details.userSub,
              aaguid: details.aaguid ?? undefined,
              name: details.name ?? undefined,
              addedAt: details.createdAt ?? undefined,
              lastUsedAt: details.lastUsedAt ?? undefined,
            },
            // A credential id another user's details hold is never taken over.
            ConditionExpression: 'attribute_not_exists(#pk) OR detailsOf = :owner',
            ExpressionAttributeNames: { '#pk': PK },
            ExpressionAttributeValues: { ':owner': details.userSub },
          }),
        ),
      );
      return saved !== null;
    },

    async findPasskeyDetails(userSub, credentialIds) {
      const found = new Map<string, PasskeyDetails>();
      const unique = [...new Set(credentialIds)];
      for (let start = 0; start < unique.length; start += 100) {
        let keys: Record<string, unknown>[] | undefined = unique.slice(start, start + 100).map(detailsKey);
        while (keys?.length) {
          const batch: BatchGetCommandOutput = await client.send(
            new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys, ConsistentRead: true } } }),
          );
          for (const item of batch.Responses?.[TableName] ?? []) {
            const details = detailsFromItem(item);
            if (details.userSub === userSub) found.set(details.credentialId, details);
          }
          keys = batch.UnprocessedKeys?.[TableName]?.Keys;
        }
      }
      return found;
    },

    async recordPasskeyDetailsUse(userSub, credentialId, usedAt) {
      const updated = await conditional(
        client.send(
          new UpdateCommand({
            TableName,
            Key: detailsKey(credentialId),
            UpdateExpression: 'SET lastUsedAt = :usedAt, detailsOf = :owner, credentialId = :id',
            ConditionExpression: 'attribute_not_exists(#pk) OR detailsOf = :owner',
            ExpressionAttributeNames: { '#pk': PK },
            ExpressionAttributeValues: { ':usedAt': usedAt, ':owner': userSub, ':id': credentialId },
          }),
        ),
      );
      return updated !== null;
    },

    async renamePasskeyDetails(userSub, credentialId, name) {
      const updated = await conditional(
        client.send(
          new UpdateCommand({
            TableName,
            Key: detailsKey(credentialId),
            UpdateExpression: 'SET #name = :name, detailsOf = :owner, credentialId = :id',
            ConditionExpression: 'attribute_not_exists(#pk) OR detailsOf = :owner',
            ExpressionAttributeNames: { '#pk': PK, '#name': 'name' },
            ExpressionAttributeValues: { ':name': name, ':owner': userSub, ':id': credentialId },
          }),
        ),
      );
      return updated !== null;
    },

    async deletePasskeyDetails(userSub, credentialId) {
      const deleted = await conditional(
        client.send(
          new DeleteCommand({
            TableName,
            Key: detailsKey(credentialId),
            ConditionExpression: 'detailsOf = :owner',
            ExpressionAttributeValues: { ':owner': userSub },
          }),
        ),
      );
      return deleted !== null;
    },

    async storeEmailCode(email, hash, expiresAt) {
      // Replaces the earlier code unless that one is newer (stored by a later request first),
      // and keeps the replaced code's hash (SET reads the item as it was before this write).
      await conditional(
        client.send(
          new UpdateCommand({
            TableName,
            Key: codeKey(email),
            UpdateExpression:
              'SET replacedHash = if_not_exists(codeHash, :none), codeHash = :hash, attempts = :zero, expiresAt = :expiresAt, #ttl = :ttl REMOVE usedAt',
            ConditionExpression: 'attribute_not_exists(#pk) OR expiresAt <= :expiresAt',
            ExpressionAttributeNames: { '#pk': PK, '#ttl': TTL },
            ExpressionAttributeValues: {
              ':none': '',
              ':hash': hash,
              ':zero': 0,
              ':expiresAt': expiresAt,
              ':ttl': ttlOf(expiresAt),
            },
          }),
        ),
      );
    },

    async tryEmailCode(email, hashes, maxAttempts, now) {
      // The right code, unused, in time and with tries left: counted and marked used in one write.
      const right = codeHashIn(hashes);
      const used = await conditional(
        client.send(
          new UpdateCommand({
            TableName,
            Key: codeKey(email),
            UpdateExpression: 'SET attempts = attempts + :one, usedAt = :now',
            ConditionExpression: `${right.condition} AND attempts < :max AND expiresAt >= :now AND attribute_not_exists(usedAt)`,
            ExpressionAttributeValues: { ':one': 1, ':now': now, ':max': maxAttempts, ...right.values },
          }),
        ),
      );
      if (used) return { result: 'right' };
      // Anything else still costs a try, counted atomically (never read-modify-write).
      const counted = await conditional(
        client.send(
          new UpdateCommand({
            TableName,
            Key: codeKey(email),
            UpdateExpression: 'SET attempts = attempts + :one',
            ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(usedAt)',
            ExpressionAttributeNames: { '#pk': PK },
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      const item = counted?.Attributes;
      if (!item) return { result: 'none' };
      const code = {
        attempts: item.attempts as number,
        expiresAt: item.expiresAt as number,
        replacedHash: (item.replacedHash as string | undefined) ?? null,
      };
      if (code.expiresAt < now || code.attempts >= maxAttempts) {
        // An expired or exhausted code is gone; only that code, not one sent meanwhile.
        await conditional(
          client.send(
            new DeleteCommand({
              TableName,
              Key: codeKey(email),
              ConditionExpression: 'codeHash = :hash AND attribute_not_exists(usedAt)',
              ExpressionAttributeValues: { ':hash': item.codeHash },
            }),
          ),
        );
      }
      return refusedEmailCodeTry(code, hashes, maxAttempts, now);
    },

    async finishEmailCode(email, hashes) {
      const used = codeHashIn(hashes);
      await conditional(
        client.send(
          new DeleteCommand({
            TableName,
            Key: codeKey(email),
            ConditionExpression: `${used.condition} AND attribute_exists(usedAt)`,
            ExpressionAttributeValues: used.values,
          }),
        ),
      );
    },

    async restoreEmailCode(email, hashes, now) {
      const used = codeHashIn(hashes);
      await conditional(
        client.send(
          new UpdateCommand({
            TableName,
            Key: codeKey(email),
            UpdateExpression: 'SET attempts = attempts - :one REMOVE usedAt',
            ConditionExpression: `${used.condition} AND attribute_exists(usedAt) AND expiresAt >= :now`,
            ExpressionAttributeValues: { ':one': 1, ':now': now, ...used.values },
          }),
        ),
      );
    },

    async probe() {
      const probedAt = Date.now();
      await client.send(
        new PutCommand({ TableName, Item: { ...PROBE_KEY, probedAt, [TTL]: ttlOf(probedAt + 3_600_000) } }),
      );
      await client.send(new GetCommand({ TableName, Key: PROBE_KEY, ConsistentRead: true }));
    },
  };

  // Every call of the store maps DynamoDB's own failures in one place.
  return Object.fromEntries(
    Object.entries(store).map(([name, call]) => [
      name,
      async (...args: unknown[]) => (call as (...a: unknown[]) => Promise<unknown>)(...args).catch(unavailable),
    ]),
  ) as unknown as PasskeyStore;
}
