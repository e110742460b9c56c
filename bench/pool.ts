import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { restartTestCognito, startTestCognito, type TestCognito } from '../tests/support/stack';
import { since } from './stats';

/**
 * A fresh embedded Cognito (random port, fresh data folder and keys, as the tests use) with a
 * given number of users already in it.
 *
 * Seeding goes through the emulator's admin API (AdminCreateUser + AdminSetUserPassword, 16 at a
 * time) up to a limit: every size in a full run. With cognito-local's own data store this was
 * O(n²) (it rewrote the whole pool file on every write: 36 ms per user at 1,000 users, an
 * estimated 40 minutes for 10,000); with the write-behind store (embedded-cognito/
 * data-store.ts) it is ~3 ms per user at any size, 10,000 users in ~30 s. The short run skips
 * even that: larger pools get one real user made through the API and copies of its stored record
 * (fresh username, sub and email) written into the pool file while the emulator is stopped; the
 * restarted emulator reads them as its own.
 */

const SEED_PASSWORD = 'Seeded-passw0rd';
const SEED_CONCURRENCY = 16;

export interface SeededPool {
  stack: TestCognito;
  users: number;
  seeding: { method: 'admin API' | 'pool file'; ms: number; msPerUser: number };
}

const seedEmail = (i: number) => `seed-${i}@bench.example`;

/** Half the seeded users are passwordless (made by the app), half have a password. */
async function createSeedUser(sdk: CognitoIdentityProviderClient, poolId: string, i: number): Promise<void> {
  const email = seedEmail(i);
  await sdk.send(
    new AdminCreateUserCommand({
      UserPoolId: poolId,
      Username: email,
      MessageAction: 'SUPPRESS',
      TemporaryPassword: SEED_PASSWORD,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
        ...(i % 2 === 0 ? [{ Name: 'custom:createdByCorbado', Value: 'true' }] : []),
      ],
    }),
  );
  await sdk.send(
    new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: email, Password: SEED_PASSWORD, Permanent: true }),
  );
}

async function seedThroughApi(stack: TestCognito, from: number, to: number): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) await createSeedUser(stack.sdk, stack.cognito.userPoolId, next++);
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
}

interface StoredUser {
  Username: string;
  Attributes: { Name: string; Value: string }[];
  [field: string]: unknown;
}

/** Copies of user 0's stored record, each with its own username, sub and email. */
function seedThroughPoolFile(poolFile: string, from: number, to: number): void {
  const store = JSON.parse(readFileSync(poolFile, 'utf8')) as { Users: Record<string, StoredUser> };
  const template = Object.values(store.Users)[0]!;
  for (let i = from; i < to; i++) {
    const username = randomUUID();
    const email = seedEmail(i);
    const attributes = template.Attributes.filter((a) => a.Name !== 'custom:createdByCorbado').map((a) =>
      a.Name === 'sub' ? { ...a, Value: username } : a.Name === 'email' ? { ...a, Value: email } : a,
    );
    if (i % 2 === 0) attributes.push({ Name: 'custom:createdByCorbado', Value: 'true' });
    store.Users[username] = { ...template, Username: username, Attributes: attributes };
  }
  writeFileSync(poolFile, JSON.stringify(store, null, 2));
}

export async function countAllUsers(stack: TestCognito): Promise<number> {
  const { Users } = await stack.sdk.send(new ListUsersCommand({ UserPoolId: stack.cognito.userPoolId }));
  return Users?.length ?? 0;
}

export async function startSeededPool(users: number, apiSeedingLimit: number): Promise<SeededPool> {
  let stack = await startTestCognito();
  const started = performance.now();
  let method: SeededPool['seeding']['method'] = 'admin API';
  if (users <= apiSeedingLimit) {
    await seedThroughApi(stack, 0, users);
  } else {
    method = 'pool file';
    await seedThroughApi(stack, 0, 1);
    await stack.cognito.close();
    seedThroughPoolFile(path.join(stack.dataDir, 'cognito', `${stack.cognito.userPoolId}.json`), 1, users);
    stack = await restartTestCognito(stack);
  }
  const ms = since(started);
  const counted = await countAllUsers(stack);
  if (counted !== users) throw new Error(`seeding made ${counted} users, not ${users}`);
  return { stack, users, seeding: { method, ms, msPerUser: ms / users } };
}
