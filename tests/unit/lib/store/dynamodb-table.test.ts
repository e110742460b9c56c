import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PASSKEY_TABLE, passkeyTableDefinition } from '@/lib/store/dynamodb-table';

/** The one definition of the passkey table, read by the app, infra/, the tests and the bench. */

describe('passkeyTableDefinition', () => {
  const definition = passkeyTableDefinition('passkeys-test');
  const index = definition.GlobalSecondaryIndexes[0]!;
  const keyAttributes = [...definition.KeySchema, ...index.KeySchema].map((key) => key.AttributeName);

  it('names the table it is given, billed on demand', () => {
    expect(definition.TableName).toBe('passkeys-test');
    expect(definition.BillingMode).toBe('PAY_PER_REQUEST');
    expect(passkeyTableDefinition('other').TableName).toBe('other');
  });

  it('keys the table by pk alone (every item kind shares it, told apart by its prefix)', () => {
    expect(definition.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(PASSKEY_TABLE.partitionKey).toBe('pk');
  });

  it("indexes a user's credentials by owner, sorted by creation time, keys only", () => {
    expect(definition.GlobalSecondaryIndexes).toHaveLength(1);
    expect(index).toEqual({
      IndexName: PASSKEY_TABLE.ownerIndex.name,
      KeySchema: [
        { AttributeName: 'owner', KeyType: 'HASH' },
        { AttributeName: 'createdAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
  });

  it('defines exactly the key attributes, each once (DynamoDB refuses any other definition)', () => {
    const defined = definition.AttributeDefinitions.map((attribute) => attribute.AttributeName);
    expect(new Set(defined).size).toBe(defined.length);
    expect([...defined].sort()).toEqual([...new Set(keyAttributes)].sort());
  });

  it('types pk and owner as strings and createdAt (ms) as a number', () => {
    const types = Object.fromEntries(definition.AttributeDefinitions.map((a) => [a.AttributeName, a.AttributeType]));
    expect(types).toEqual({ pk: 'S', owner: 'S', createdAt: 'N' });
  });

  it('expires items by ttl, an attribute that is no key (DynamoDB TTL wants a plain number attribute)', () => {
    expect(PASSKEY_TABLE.ttlAttribute).toBe('ttl');
    expect(keyAttributes).not.toContain(PASSKEY_TABLE.ttlAttribute);
  });

  it('gives a fresh object per call, so a caller changing one changes no other', () => {
    const first = passkeyTableDefinition('t');
    first.AttributeDefinitions.pop();
    expect(passkeyTableDefinition('t').AttributeDefinitions).toHaveLength(3);
  });

  it('imports nothing, since infra/ (its own package) reads the file as it is', () => {
    const source = readFileSync(path.join(__dirname, '../../../../lib/store/dynamodb-table.ts'), 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/\brequire\(/);
  });
});
