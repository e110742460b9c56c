import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  CreateUserPoolCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * A user created outside the app (console, CLI, a migration) with a mixed-case email. The app
 * lower-cases every email; a real pool with case-insensitive usernames (the embedded pool's
 * `UsernameConfiguration.CaseSensitive: false`) treats any capitalization as the same user, and
 * so must the emulator: else the user could not sign in with their password, and an email code
 * provisioned a second account for the same address (issue 12, "mixed case").
 */

let app: TestApp;
const created = 'Mixed.Case@Example.com';
const typed = 'mixed.case@example.com';
const password = 'Mixed-case-passw0rd';

beforeAll(async () => {
  app = await startTestApp();
  await addPasswordUser(app, created, password);
});
afterAll(async () => {
  await app?.stop();
});

const url = (route: string) => `${app.baseUrl}${route}`;

async function usersWithEmail(email: string) {
  const { Users } = await app.sdk.send(new ListUsersCommand({ UserPoolId: app.cognito.userPoolId }));
  return (Users ?? []).filter((user) =>
    user.Attributes?.some((a) => a.Name === 'email' && a.Value?.toLowerCase() === email.toLowerCase()),
  );
}

function latestCodeFor(email: string): string {
  const lines = readFileSync(path.join(app.dataDir, 'outbox.jsonl'), 'utf8').trim().split('\n');
  const message = lines
    .map((line) => JSON.parse(line) as { to: string; subject: string })
    .filter((m) => m.to === email)
    .at(-1);
  const code = message && /(\d{6})/.exec(message.subject)?.[1];
  if (!code) throw new Error(`no code for ${email} in the outbox`);
  return code;
}

describe('a user created with a mixed-case email', () => {
  it('signs in with their password, however the email is typed', async () => {
    for (const email of [created, typed, 'MIXED.CASE@EXAMPLE.COM']) {
      const jar = new CookieJar();
      const response = await jar.fetch(url('/api/auth/password'), jsonPost({ email, password }));
      expect([email, response.status]).toEqual([email, 200]);
      const me = (await (await jar.fetch(url('/api/auth/me'))).json()) as { sub: string };
      const user = await app.sdk.send(
        new AdminGetUserCommand({ UserPoolId: app.cognito.userPoolId, Username: created }),
      );
      expect(me.sub).toBe(user.UserAttributes?.find((a) => a.Name === 'sub')?.Value);
    }
  });

  it('signs in with an email code to the same account, creating no duplicate', async () => {
    const jar = new CookieJar();
    expect(
      (await jar.fetch(url('/api/auth/email-code'), jsonPost({ email: typed }, { origin: app.baseUrl }))).status,
    ).toBe(202);
    const verified = await jar.fetch(
      url('/api/auth/email-code/verify'),
      jsonPost({ email: typed, code: latestCodeFor(typed) }),
    );
    expect(verified.status).toBe(200);
    const me = (await (await jar.fetch(url('/api/auth/me'))).json()) as { sub: string };
    const users = await usersWithEmail(typed);
    expect(users).toHaveLength(1);
    expect(me.sub).toBe(users[0]!.Attributes?.find((a) => a.Name === 'sub')?.Value);
  });
});

describe('the emulator, as a pool with case-insensitive usernames', () => {
  it('finds the user under any capitalization and refuses a second user for a case variation', async () => {
    const found = await app.sdk.send(
      new AdminGetUserCommand({ UserPoolId: app.cognito.userPoolId, Username: 'MIXED.case@example.COM' }),
    );
    expect(found.UserAttributes?.find((a) => a.Name === 'email')?.Value).toBe(created);
    await expect(
      app.sdk.send(
        new AdminCreateUserCommand({
          UserPoolId: app.cognito.userPoolId,
          Username: typed,
          MessageAction: 'SUPPRESS',
          UserAttributes: [{ Name: 'email', Value: typed }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'UsernameExistsException' });
  });

  it('keeps a case-sensitive pool (CaseSensitive true, the API default) case-sensitive', async () => {
    const { UserPool } = await app.sdk.send(
      new CreateUserPoolCommand({ PoolName: 'case-sensitive', UsernameConfiguration: { CaseSensitive: true } }),
    );
    const poolId = UserPool!.Id!;
    await app.sdk.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: created,
        MessageAction: 'SUPPRESS',
        UserAttributes: [{ Name: 'email', Value: created }],
      }),
    );
    await expect(app.sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: typed }))).rejects.toMatchObject({
      name: 'UserNotFoundException',
    });
  });
});
