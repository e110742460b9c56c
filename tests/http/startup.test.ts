import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { challengeKeyPair, isolatedEnv, startOnFreePort, untilServing } from '../support/stack';

/** `npm start` / `npm run dev` as a newcomer or an operator runs them: the launcher script. */
const launcher = path.resolve('scripts/run.ts');
const tsx = path.resolve('node_modules/.bin/tsx');
const scratch = mkdtempSync(path.join(tmpdir(), 'cognito-passkeys-startup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the launcher with exactly `env` (no inherited configuration) and waits for it to exit. */
function runLauncher(command: 'start' | 'dev', env: Record<string, string>, cwd = scratch): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(tsx, ['--conditions=react-server', launcher, command], {
      cwd,
      env: isolatedEnv({ DATA_DIR: path.join(scratch, 'data'), ...env }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const SECRET = 'a-distinctive-session-secret-value-0123456789';
const validAws = () => ({
  COGNITO_USER_POOL_ID: 'eu-central-1_AbCdEf123',
  COGNITO_CLIENT_ID: 'abcdefghijklmnopqrstuvwxyz',
  APP_ORIGIN: 'https://app.example.com',
  DYNAMODB_TABLE: 'passkeys',
  SESSION_SECRET: SECRET,
  AUTH_CHALLENGE_PRIVATE_KEY: challengeKeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
});

describe('start-up refuses a bad configuration with one clear line', () => {
  it.each([
    ['COGNITO_CLIENT_ID', { COGNITO_CLIENT_ID: 'not a client id!' }],
    ['SESSION_SECRET', { SESSION_SECRET: 'short' }],
    [
      'AUTH_CHALLENGE_PRIVATE_KEY',
      { AUTH_CHALLENGE_PRIVATE_KEY: `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----` },
    ],
    ['APP_ORIGIN', { APP_ORIGIN: 'https://app.example.com/some/path' }],
    ['COGNITO_USER_POOL_ID', { COGNITO_USER_POOL_ID: 'my-pool' }],
    ['SHUTDOWN_TIMEOUT_SECONDS', { SHUTDOWN_TIMEOUT_SECONDS: 'soon' }],
  ])('a malformed %s: exit 1, one line naming it, no secret printed', async (variable, override) => {
    const run = await runLauncher('start', { ...validAws(), ...override });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Configuration error: ${variable} `));
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  it('a production server with no Cognito pool and no EMBEDDED=1 refuses to start', async () => {
    const { COGNITO_USER_POOL_ID: _pool, ...withoutPool } = validAws();
    const run = await runLauncher('start', withoutPool);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Configuration error: COGNITO_USER_POOL_ID .*EMBEDDED=1/),
    ]);
  });

  it('EMBEDDED=1 with a malformed variable says it runs embedded, then stops on the variable before starting Cognito', async () => {
    const run = await runLauncher('start', { EMBEDDED: '1', SESSION_SECRET: 'short' });
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')[0]).toMatch(/^Embedded mode:/);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Configuration error: SESSION_SECRET /)]);
    expect(run.stdout).not.toMatch(/Embedded Cognito at/);
  });
});

describe('start-up refuses a setup that cannot work, with one clear line', () => {
  it.each([
    [
      'self-hosted passkeys with no DynamoDB table',
      { DYNAMODB_TABLE: '', EMAIL_OUTBOX_IN_PRODUCTION: '1' },
      /^Configuration error: DYNAMODB_TABLE is missing/,
    ],
    [
      'email codes to the local outbox in production',
      {},
      /^Configuration error: SMTP_URL .*EMAIL_OUTBOX_IN_PRODUCTION=1/,
    ],
  ])('%s: exit 1', async (_case, override, line) => {
    const run = await runLauncher('start', { ...validAws(), ...override });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(line)]);
  });

  it('a data folder holding an earlier version’s SQLite passkey store: exit 1, one line saying how to start afresh, nothing started', async () => {
    const dataDir = path.join(scratch, 'old-sqlite');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, 'passkeys.sqlite'), 'SQLite format 3\0');
    const { COGNITO_USER_POOL_ID: _pool, ...withoutPool } = validAws();
    const run = await runLauncher('start', { ...withoutPool, EMBEDDED: '1', DATA_DIR: dataDir });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^Embedded mode did not start: .*passkeys\.sqlite is the passkey store of an earlier version.*delete it to start afresh/,
      ),
    ]);
    expect(run.stdout).not.toMatch(/Embedded Cognito at/);
    expect(existsSync(path.join(dataDir, 'passkeys.sqlite'))).toBe(true);
  });

  it('a production start on a real pool without REDIS_URL starts, warning once in one line', async () => {
    let stdout = '';
    let stderr = '';
    // On another port when another process takes the one given first.
    const { port, child } = await startOnFreePort(async (port) => {
      stdout = '';
      stderr = '';
      const child = spawn(tsx, ['--conditions=react-server', launcher, 'start', '-p', String(port)], {
        cwd: path.resolve('.'),
        env: isolatedEnv({
          ...validAws(),
          DATA_DIR: path.join(scratch, 'no-redis'),
          EMAIL_OUTBOX_IN_PRODUCTION: '1',
          NEXT_TELEMETRY_DISABLED: '1',
        }),
      });
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      // Liveness: the pool here is made up, so readiness would answer 503.
      await untilServing(
        child,
        () => stdout + stderr,
        `http://localhost:${port}/api/health/live`,
        'npm start',
        () => stopChild(child),
      );
      return { port, child };
    });
    try {
      const live = await fetch(`http://localhost:${port}/api/health/live`);
      expect(live.status).toBe(200);
      expect(stderr.split('\n').filter((l) => l.includes('REDIS_URL'))).toEqual([
        expect.stringMatching(/^Warning: REDIS_URL is not set: /),
      ]);
      expect(stdout).not.toContain('REDIS_URL');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

describe('EMBEDDED=1 npm start', () => {
  it('runs the production server on the embedded Cognito and says so in its first log line', async () => {
    const dataDir = path.join(scratch, 'embedded-start');
    let stdout = '';
    // Next must be told its port (APP_ORIGIN follows it): on another when another process takes it first.
    const { port, child } = await startOnFreePort(async (port) => {
      stdout = '';
      let stderr = '';
      const child = spawn(tsx, ['--conditions=react-server', launcher, 'start', '-p', String(port)], {
        cwd: path.resolve('.'),
        env: isolatedEnv({
          EMBEDDED: '1',
          DATA_DIR: dataDir,
          // The embedded Cognito binds a port of its own and reports it.
          COGNITO_LOCAL_PORT: '0',
          APP_ORIGIN: `http://localhost:${port}`,
          NEXT_TELEMETRY_DISABLED: '1',
        }),
      });
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      await untilServing(
        child,
        () => stdout + stderr,
        `http://localhost:${port}/api/health`,
        'npm start',
        () => stopChild(child),
      );
      return { port, child };
    });
    try {
      const health = await fetch(`http://localhost:${port}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', mode: 'embedded', cognito: { reachable: true } });
      expect(stdout.split('\n')[0]).toMatch(/^Embedded mode: running on the embedded Cognito/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
