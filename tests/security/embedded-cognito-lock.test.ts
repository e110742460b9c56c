import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  GetUserCommand,
  InitiateAuthCommand,
  ListUserPoolsCommand,
  ListUsersCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { SignatureV4 } from '@smithy/signature-v4';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEveryCall } from '../../lib/cognito/emulator-signing';
import { embeddedSecrets } from '../../embedded-cognito/environment';
import { NodeSha256, type AccessKey } from '../../embedded-cognito/request-signature';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { isolatedEnv, restartTestCognito, startTestApp, startTestCognito, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * The embedded Cognito answers the app alone (issue 12): every attack an outside review made
 * against it, over real HTTP against the running emulator, with the app's own server for the
 * full chain. Each of these passed against the emulator before it was locked.
 */

let app: TestApp;
const victim = 'victim@example.com';
const victimPassword = 'Victim-passw0rd';
const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';

beforeAll(async () => {
  app = await startTestApp();
  await addPasswordUser(app, victim, victimPassword);
});
afterAll(async () => {
  await app?.stop();
});

const pool = () => app.cognito.userPoolId;
const clientId = () => app.cognito.clientId;
const secretHash = (username: string) =>
  createHmac('sha256', app.cognito.clientSecret)
    .update(username + clientId())
    .digest('base64');

/** A request as a web page or another local process can send it: no signature. */
function unsigned(target: string, body: object, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.cognito.endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET_PREFIX + target, ...headers },
    body: JSON.stringify(body),
  });
}

/** A SigV4-signed request made by hand (the SDK's signer), optionally dated `date` or with its body changed after signing. */
async function signed(
  target: string,
  body: object,
  options: { key?: AccessKey; date?: Date; sentBody?: string; declareBodyHash?: boolean } = {},
): Promise<Response> {
  const url = new URL(app.cognito.endpoint);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({
    credentials: options.key ?? app.cognito.accessKey,
    region: 'us-east-1',
    service: 'cognito-idp',
    sha256: NodeSha256,
    applyChecksum: options.declareBodyHash ?? false,
  });
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET_PREFIX + target },
      body: text,
    },
    { signingDate: options.date ?? new Date() },
  );
  const { host: _host, ...headers } = request.headers;
  return fetch(`${app.cognito.endpoint}/`, { method: 'POST', headers, body: options.sentBody ?? text });
}

async function expectRefused(response: Response, type: string): Promise<void> {
  expect(response.status).toBe(403);
  expect(((await response.json()) as { __type: string }).__type).toBe(type);
  for (const name of response.headers.keys()) expect(name).not.toMatch(/^access-control-/);
}

/** An SDK client as any tool builds it. */
function sdkClient(extra: Partial<ConstructorParameters<typeof CognitoIdentityProviderClient>[0]> = {}) {
  return new CognitoIdentityProviderClient({
    region: 'us-east-1',
    endpoint: app.cognito.endpoint,
    maxAttempts: 1,
    ...extra,
  });
}

async function victimEmail(): Promise<string | undefined> {
  const user = await app.sdk.send(new AdminGetUserCommand({ UserPoolId: pool(), Username: victim }));
  return user.UserAttributes?.find((attribute) => attribute.Name === 'email')?.Value;
}

async function signInStatus(password: string): Promise<number> {
  const response = await new CookieJar().fetch(
    `${app.baseUrl}/api/auth/password`,
    jsonPost({ email: victim, password }),
  );
  return response.status;
}

describe('no CORS', () => {
  it('answers a preflight from a foreign origin without any Access-Control-* header', async () => {
    const response = await fetch(`${app.cognito.endpoint}/`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-amz-target',
      },
    });
    expect(response.status).toBe(405);
    expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });

  it('sends no Access-Control-* header on a signed answer either, whatever the Origin', async () => {
    const response = await signed('ListUserPools', { MaxResults: 10 });
    expect(response.status).toBe(200);
    expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });
});

describe('every request proves it comes from the app', () => {
  it.each([
    ['ListUserPools', () => ({ MaxResults: 10 })],
    ['ListUsers', () => ({ UserPoolId: pool() })],
    ['DescribeUserPoolClient', () => ({ UserPoolId: pool(), ClientId: clientId() })],
    [
      'AdminSetUserPassword',
      () => ({ UserPoolId: pool(), Username: victim, Password: 'Attacker-passw0rd', Permanent: true }),
    ],
    [
      'InitiateAuth',
      () => ({
        ClientId: clientId(),
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: victim, PASSWORD: victimPassword },
      }),
    ],
  ])('refuses an unsigned %s with 403 MissingAuthenticationTokenException, leaking nothing', async (target, body) => {
    const response = await unsigned(target, body(), { origin: 'https://evil.example' });
    const text = await response.clone().text();
    await expectRefused(response, 'MissingAuthenticationTokenException');
    expect(text).not.toContain(app.cognito.clientSecret);
    expect(text).not.toContain(victim);
  });

  it('refuses a signature by an unknown key (403 UnrecognizedClientException) and by the right key id with a wrong secret (InvalidSignatureException)', async () => {
    await expectRefused(
      await signed(
        'ListUsers',
        { UserPoolId: pool() },
        { key: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test' } },
      ),
      'UnrecognizedClientException',
    );
    await expectRefused(
      await signed(
        'ListUsers',
        { UserPoolId: pool() },
        { key: { accessKeyId: app.cognito.accessKey.accessKeyId, secretAccessKey: 'guessed' } },
      ),
      'InvalidSignatureException',
    );
  });

  it('refuses an old signature replayed (X-Amz-Date 10 minutes ago) and one dated in the future', async () => {
    await expectRefused(
      await signed('ListUsers', { UserPoolId: pool() }, { date: new Date(Date.now() - 10 * 60_000) }),
      'InvalidSignatureException',
    );
    await expectRefused(
      await signed('ListUsers', { UserPoolId: pool() }, { date: new Date(Date.now() + 10 * 60_000) }),
      'InvalidSignatureException',
    );
    expect((await signed('ListUsers', { UserPoolId: pool() }, { date: new Date(Date.now() - 60_000) })).status).toBe(
      200,
    );
  });

  it.each([false, true])(
    'refuses a signed request whose body was changed after signing (x-amz-content-sha256 sent: %s)',
    async (declareBodyHash) => {
      const attack = JSON.stringify({
        UserPoolId: pool(),
        Username: victim,
        Password: 'Attacker-passw0rd',
        Permanent: true,
      });
      const response = await signed(
        'AdminGetUser',
        { UserPoolId: pool(), Username: victim },
        { sentBody: attack, declareBodyHash },
      );
      await expectRefused(response, 'InvalidSignatureException');
      expect(await signInStatus(victimPassword)).toBe(200);
    },
  );

  it('serves an SDK client given the generated credentials, and refuses one with the placeholder credentials tools used before', async () => {
    const withKey = sdkClient({ credentials: app.cognito.accessKey });
    const users = await withKey.send(new ListUsersCommand({ UserPoolId: pool() }));
    expect(users.Users?.length).toBeGreaterThan(0);
    const placeholder = sdkClient({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await expect(placeholder.send(new ListUsersCommand({ UserPoolId: pool() }))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      $metadata: { httpStatusCode: 403 },
    });
    withKey.destroy();
    placeholder.destroy();
  });

  it('gets public operations through only with signEveryCall: the SDK sends InitiateAuth unsigned otherwise', async () => {
    const input = {
      ClientId: clientId(),
      AuthFlow: 'USER_PASSWORD_AUTH' as const,
      AuthParameters: { USERNAME: victim, PASSWORD: 'Wrong-passw0rd', SECRET_HASH: secretHash(victim) },
    };
    const plain = sdkClient({ credentials: app.cognito.accessKey });
    await expect(plain.send(new InitiateAuthCommand(input))).rejects.toMatchObject({
      name: 'MissingAuthenticationTokenException',
    });
    const signing = sdkClient(signEveryCall(app.cognito.accessKey));
    // Past the signature check, the emulator judges the call itself.
    await expect(signing.send(new InitiateAuthCommand(input))).rejects.toMatchObject({
      name: 'NotAuthorizedException',
    });
    plain.destroy();
    signing.destroy();
  });
});

describe('tokens are verified with the pool’s own key and algorithm', () => {
  async function victimClaims() {
    const user = await app.sdk.send(new AdminGetUserCommand({ UserPoolId: pool(), Username: victim }));
    return {
      sub: user.UserAttributes?.find((attribute) => attribute.Name === 'sub')?.Value,
      username: user.Username,
      client_id: clientId(),
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      iss: `${app.cognito.endpoint}/${pool()}`,
    };
  }

  async function forgedTokens(): Promise<[string, string][]> {
    const claims = await victimClaims();
    const now = Math.floor(Date.now() / 1000);
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(randomBytes(32));
    const { privateKey } = await generateKeyPair('RS256');
    const { kid } = (
      (await (await fetch(`${app.cognito.endpoint}/${pool()}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      }
    ).keys[0]!;
    const otherKey = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, exp: now + 3600 })).toString('base64url')}.`;
    return [
      ['HS256 with a random key', hs256],
      ['RS256 with another key under the pool’s kid', otherKey],
      ['alg none', none],
    ];
  }

  it('refuses forged access tokens in GetUser and UpdateUserAttributes, and changes nothing', async () => {
    for (const [, token] of await forgedTokens()) {
      await expect(app.sdk.send(new GetUserCommand({ AccessToken: token }))).rejects.toMatchObject({
        name: 'NotAuthorizedException',
        message: 'Invalid Access Token',
      });
      await expect(
        app.sdk.send(
          new UpdateUserAttributesCommand({
            AccessToken: token,
            UserAttributes: [{ Name: 'email', Value: 'attacker@example.com' }],
          }),
        ),
      ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    }
    expect(await victimEmail()).toBe(victim);
  });

  it('still serves GetUser with a real access token of the pool', async () => {
    const { AuthenticationResult } = await app.sdk.send(
      new InitiateAuthCommand({
        ClientId: clientId(),
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: victim, PASSWORD: victimPassword, SECRET_HASH: secretHash(victim) },
      }),
    );
    const user = await app.sdk.send(new GetUserCommand({ AccessToken: AuthenticationResult!.AccessToken! }));
    expect(user.UserAttributes?.find((attribute) => attribute.Name === 'email')?.Value).toBe(victim);
  });
});

describe('the pool’s own rules', () => {
  it('refuses SignUp in the admin-create-only pool, as AWS does, and adds no user', async () => {
    const before = (await app.sdk.send(new ListUsersCommand({ UserPoolId: pool() }))).Users?.length;
    await expect(
      app.sdk.send(
        new SignUpCommand({ ClientId: clientId(), Username: 'intruder@example.com', Password: 'Intruder-passw0rd' }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'SignUp is not permitted for this user pool' });
    expect((await app.sdk.send(new ListUsersCommand({ UserPoolId: pool() }))).Users?.length).toBe(before);
  });

  it('still lets users sign up in a pool that allows it', async () => {
    const { UserPool } = await app.sdk.send(
      new CreateUserPoolCommand({ PoolName: 'open-pool', AdminCreateUserConfig: { AllowAdminCreateUserOnly: false } }),
    );
    const { UserPoolClient } = await app.sdk.send(
      new CreateUserPoolClientCommand({ UserPoolId: UserPool!.Id!, ClientName: 'open' }),
    );
    const result = await app.sdk.send(
      new SignUpCommand({
        ClientId: UserPoolClient!.ClientId!,
        Username: 'newcomer@example.com',
        Password: 'Newcomer-passw0rd',
      }),
    );
    expect(result.UserSub).toEqual(expect.any(String));
  });

  it('lists only real pools after a restart: no token signing key, refresh-token or state file', async () => {
    // cognito-local takes the *.json files it finds at start for pools, so the listing is checked after one.
    let stack = await startTestCognito();
    try {
      await stack.cognito.close();
      stack = await restartTestCognito(stack);
      const { UserPools } = await stack.sdk.send(new ListUserPoolsCommand({ MaxResults: 60 }));
      expect(UserPools?.map((listed) => listed.Id)).toEqual([stack.cognito.userPoolId]);
    } finally {
      await stack.stop();
    }
  });
});

describe('the whole attack chain from the review', () => {
  it('cannot set the victim’s password through the emulator and then sign in as them', async () => {
    const attackerPassword = 'Attacker-passw0rd';
    const set = await unsigned(
      'AdminSetUserPassword',
      { UserPoolId: pool(), Username: victim, Password: attackerPassword, Permanent: true },
      { origin: 'https://evil.example' },
    );
    expect(set.status).toBe(403);
    expect(await signInStatus(attackerPassword)).toBe(401);
    expect(await signInStatus(victimPassword)).toBe(200);
  });
});

/** Every folder and file under `directory` with its mode, as `relative path -> octal`. */
function modes(directory: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const child = path.join(current, entry.name);
      found[path.relative(directory, child) + (entry.isDirectory() ? '/' : '')] = (
        statSync(child).mode & 0o777
      ).toString(8);
      if (entry.isDirectory()) walk(child);
    }
  };
  found['./'] = (statSync(directory).mode & 0o777).toString(8);
  walk(directory);
  return found;
}

describe('the data folder is private', () => {
  it('creates every file 0600 and every folder 0700: pools, clients, keys, secrets and outbox', async () => {
    const sent = await new CookieJar().fetch(
      `${app.baseUrl}/api/auth/email-code`,
      jsonPost({ email: 'someone@example.com' }, { origin: app.baseUrl }),
    );
    expect(sent.status).toBeLessThan(300);
    embeddedSecrets({ DATA_DIR: app.dataDir }, () => undefined);
    const found = modes(app.dataDir);
    for (const expected of [
      'cognito/clients.json',
      `cognito/${pool()}.json`,
      'cognito/state/token-signing-key.json',
      'cognito/state/access-key.json',
      'secrets.json',
      'outbox.jsonl',
    ]) {
      expect(Object.keys(found)).toContain(expected);
    }
    for (const [name, mode] of Object.entries(found))
      expect([name, mode]).toEqual([name, name.endsWith('/') ? '700' : '600']);
  });
});

describe('a data folder made by an earlier version', () => {
  it('moves the emulator’s own files out of the pool folder, keeps the pool and its key, and tightens the 0644 files that are ours', async () => {
    let stack = await startTestCognito();
    try {
      const { userPoolId, clientId: appClientId } = stack.cognito;
      const jwksBefore = await (await fetch(`${stack.cognito.endpoint}/${userPoolId}/.well-known/jwks.json`)).text();
      await stack.cognito.close();
      const cognitoDir = path.join(stack.dataDir, 'cognito');
      for (const name of ['token-signing-key.json', 'embedded-pool.json']) {
        renameSync(path.join(cognitoDir, 'state', name), path.join(cognitoDir, name));
      }
      chmodSync(path.join(cognitoDir, `${userPoolId}.json`), 0o644);
      chmodSync(cognitoDir, 0o755);
      writeFileSync(path.join(stack.dataDir, 'outbox.jsonl'), '', { mode: 0o644 });
      // Not the app's: DATA_DIR may point at a folder holding other things, which stay as they are.
      writeFileSync(path.join(stack.dataDir, 'notes.txt'), '', { mode: 0o644 });
      stack = await restartTestCognito(stack);
      expect(stack.cognito.userPoolId).toBe(userPoolId);
      expect(stack.cognito.clientId).toBe(appClientId);
      expect(await (await fetch(`${stack.cognito.endpoint}/${userPoolId}/.well-known/jwks.json`)).text()).toBe(
        jwksBefore,
      );
      const { UserPools } = await stack.sdk.send(new ListUserPoolsCommand({ MaxResults: 60 }));
      expect(UserPools?.map((listed) => listed.Id)).toEqual([userPoolId]);
      const found = modes(stack.dataDir);
      expect(found[`cognito/${userPoolId}.json`]).toBe('600');
      expect(found['cognito/']).toBe('700');
      expect(found['./']).toBe('700');
      expect(found['outbox.jsonl']).toBe('600');
      expect(found['notes.txt']).toBe('644');
      expect(
        Object.keys(found)
          .filter((name) => /^cognito\/[^/]+\.json$/.test(name))
          .sort(),
      ).toEqual(['cognito/clients.json', `cognito/${userPoolId}.json`].sort());
    } finally {
      await stack.stop();
    }
  });
});

describe('npm run cognito:local', () => {
  it('prints the region, endpoint and generated credentials; an SDK client with them works, one without them is refused', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cognito-local-script-'));
    const child = spawn(
      path.resolve('node_modules/.bin/tsx'),
      ['--conditions=react-server', path.resolve('scripts/cognito-local.ts')],
      {
        cwd: dataDir,
        env: isolatedEnv({ DATA_DIR: dataDir, COGNITO_LOCAL_PORT: '0' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    try {
      // tsx compiles the script first: slow on a busy machine.
      const deadline = Date.now() + 50_000;
      while (!output.includes('Ctrl-C stops it.')) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`cognito:local did not start: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const variable = (name: string) => new RegExp(`^${name}=(.+)$`, 'm').exec(output)?.[1];
      const endpoint = variable('COGNITO_ENDPOINT')!;
      const region = variable('COGNITO_REGION')!;
      const key = {
        accessKeyId: variable('COGNITO_ACCESS_KEY_ID')!,
        secretAccessKey: variable('COGNITO_SECRET_ACCESS_KEY')!,
      };
      expect(region).toBe('us-east-1');
      expect(key.accessKeyId).toMatch(/^AKIA[0-9A-F]{16}$/);
      expect(output).toContain(`AWS_ACCESS_KEY_ID=${key.accessKeyId}`);
      expect(output).toContain(`AWS_SECRET_ACCESS_KEY='${key.secretAccessKey}'`);
      const withKey = new CognitoIdentityProviderClient({ region, endpoint, credentials: key, maxAttempts: 1 });
      const { UserPools } = await withKey.send(new ListUserPoolsCommand({ MaxResults: 10 }));
      expect(UserPools?.map((listed) => listed.Id)).toEqual([variable('COGNITO_USER_POOL_ID')]);
      const other = new CognitoIdentityProviderClient({
        region,
        endpoint,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
      await expect(other.send(new ListUserPoolsCommand({ MaxResults: 10 }))).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
      });
      withKey.destroy();
      other.destroy();
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
