import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AdminGetUserCommand, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedCognito } from '../../embedded-cognito';
import { embeddedSecrets, startEmbeddedEnvironment } from '../../embedded-cognito/environment';
import { adminClient, isolatedEnv } from '../support/stack';

/**
 * `npm run users:add` as a person runs it beside a running app: in a project folder whose
 * `npm run dev:connect` runs the embedded Cognito on .data/connect (and maybe `npm run dev` on
 * .data), with no DATA_DIR set. The user must land in the pool the running app reads.
 */

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const running: EmbeddedCognito[] = [];
let project: string;

afterEach(async () => {
  await Promise.all(running.splice(0).map((cognito) => cognito.close()));
  rmSync(project, { recursive: true, force: true });
});

/** An app's embedded Cognito running on `<project>/<dataDir>`, as the dev launcher starts it. */
async function appRunningOn(dataDir: string) {
  const env = { DATA_DIR: path.join(project, dataDir) };
  const { cognito } = await startEmbeddedEnvironment(
    env,
    embeddedSecrets(env, () => undefined),
  );
  running.push(cognito);
  return adminClient(cognito.endpoint, cognito.accessKey);
}

async function usersAdd(email: string, password: string) {
  return run(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
      '--conditions=react-server',
      path.join(ROOT, 'scripts/users-add.ts'),
      email,
      password,
    ],
    {
      cwd: project,
      env: isolatedEnv({
        TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json'),
        NODE_PATH: path.join(ROOT, 'node_modules'),
      }),
    },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      out: error.stdout + error.stderr,
    }),
  );
}

describe('npm run users:add beside a running app', { timeout: 60_000 }, () => {
  it('writes into the pool of the app running on .data/connect (npm run dev:connect) and says so', async () => {
    project = mkdtempSync(path.join(tmpdir(), 'users-add-'));
    const connect = await appRunningOn('.data/connect');
    const { code, out } = await usersAdd('Olivia@Example.com', 'Connect-passw0rd');
    expect(code, out).toBe(0);
    expect(out).toMatch(
      /Created olivia@example\.com in the embedded Cognito running on \.data\/connect \(pool [\w-]+\)/,
    );
    const poolId = /pool ([\w-]+)\)/.exec(out)![1];
    const user = await connect.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'olivia@example.com' }));
    expect(user.UserStatus).toBe('CONFIRMED');
  });

  it('refuses to guess when apps run on two data folders, names both, and creates no one', async () => {
    project = mkdtempSync(path.join(tmpdir(), 'users-add-'));
    const main = await appRunningOn('.data');
    const connect = await appRunningOn('.data/connect');
    const { code, out } = await usersAdd('noah@example.com', 'Connect-passw0rd');
    expect(code).toBe(1);
    expect(out).toContain('DATA_DIR=.data npm run users:add');
    expect(out).toContain(`DATA_DIR=${path.join('.data', 'connect')} npm run users:add`);
    for (const [sdk, cognito] of [
      [main, running[0]!],
      [connect, running[1]!],
    ] as const) {
      const { Users = [] } = await sdk.send(new ListUsersCommand({ UserPoolId: cognito.userPoolId }));
      expect(Users).toEqual([]);
    }
  });

  it('with no app running, writes to .data and says no app runs on it and how to reach another', async () => {
    project = mkdtempSync(path.join(tmpdir(), 'users-add-'));
    mkdirSync(path.join(project, '.data'));
    const { code, out } = await usersAdd('ava@example.com', 'Connect-passw0rd');
    expect(code, out).toBe(0);
    expect(out).toMatch(
      /Created ava@example\.com in the embedded Cognito of \.data \(pool [\w-]+; no app runs on it now/,
    );
    expect(out).toContain('.data/connect for `npm run dev:connect`');
  });
});
