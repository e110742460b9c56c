import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { freePort, isolatedEnv, startTestCognito, type TestCognito } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * What the container image runs, without a Docker engine: the build context .dockerignore lets
 * through, built with NEXT_OUTPUT=standalone as the Dockerfile's build stage does, laid out as its
 * runtime stage copies it (standalone server, static files, public/) in a folder of its own, and
 * served by `node server.js` against the embedded Cognito standing in for AWS.
 */

const ROOT = path.resolve();
const workdir = mkdtempSync(path.join(tmpdir(), 'standalone-build-'));
const context = path.join(workdir, 'context');
const image = path.join(workdir, 'image');
let stack: TestCognito;
let server: ChildProcess;
let baseUrl: string;
let serverOutput = '';

/** The top-level entries .dockerignore keeps out of the build context (its entries are all top-level). */
function dockerIgnored(): (name: string) => boolean {
  const rules = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const matches = (pattern: string, name: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name);
  return (name) => {
    let ignored = false;
    for (const rule of rules) {
      if (rule.startsWith('!')) {
        if (matches(rule.slice(1), name)) ignored = false;
      } else if (matches(rule, name)) {
        ignored = true;
      }
    }
    return ignored;
  };
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { ...options, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || stdout}`)) : resolve(stdout),
    ),
  );
}

beforeAll(async () => {
  const ignored = dockerIgnored();
  mkdirSync(context);
  for (const entry of readdirSync(ROOT)) {
    if (!ignored(entry)) cpSync(path.join(ROOT, entry), path.join(context, entry), { recursive: true });
  }
  // The image's deps stage installs node_modules; here the installed ones are linked in (hard
  // links: fast, and real files for the build's file tracing to copy).
  await run('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(context, 'node_modules')], { cwd: ROOT, env: process.env }).catch(() =>
    run('cp', ['-a', path.join(ROOT, 'node_modules'), path.join(context, 'node_modules')], { cwd: ROOT, env: process.env }),
  );
  // nice: the build shares the machine with the other test files running beside it.
  // The context's own copy of Next: one React instance, resolved from the context's node_modules.
  await run('nice', ['-n', '19', process.execPath, path.join(context, 'node_modules/next/dist/bin/next'), 'build'], {
    cwd: context,
    env: isolatedEnv({ NEXT_OUTPUT: 'standalone', NEXT_TELEMETRY_DISABLED: '1' }),
  });

  cpSync(path.join(context, '.next/standalone'), image, { recursive: true });
  cpSync(path.join(context, '.next/static'), path.join(image, '.next/static'), { recursive: true });
  cpSync(path.join(context, 'public'), path.join(image, 'public'), { recursive: true });
  // The build folder goes, as it does not exist in the image: the server must need nothing from it.
  rmSync(context, { recursive: true, force: true });

  const port = await freePort();
  stack = await startTestCognito({ appPort: port });
  const { EMBEDDED: _embedded, ...awsModeEnv } = stack.env;
  server = spawn(process.execPath, ['server.js'], {
    cwd: image,
    env: isolatedEnv({
      ...awsModeEnv,
      NODE_ENV: 'production',
      PORT: String(port),
      HOSTNAME: '127.0.0.1',
      // One container, self-hosted passkeys on SQLite in /data, codes to the outbox: declared.
      SINGLE_INSTANCE: '1',
      EMAIL_OUTBOX_IN_PRODUCTION: '1',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (chunk) => (serverOutput += chunk));
  server.stderr?.on('data', (chunk) => (serverOutput += chunk));
  baseUrl = `http://localhost:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${baseUrl}/api/health`).then((r) => r.status < 500 || r.status === 503, () => false))) {
    if (server.exitCode !== null) throw new Error(`server.js exited: ${serverOutput}`);
    if (Date.now() > deadline) throw new Error(`server.js did not answer: ${serverOutput}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 900_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  await stack?.stop();
  rmSync(workdir, { recursive: true, force: true });
});

describe('the standalone output the container image runs', () => {
  it('carries no dev dependency of the app, and the native SQLite module the passkey store needs', () => {
    const { devDependencies } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const shipped = readdirSync(path.join(image, 'node_modules')).flatMap((name) =>
      name.startsWith('@') ? readdirSync(path.join(image, 'node_modules', name)).map((sub) => `${name}/${sub}`) : [name],
    );
    expect(shipped.filter((name) => name in devDependencies)).toEqual([]);
    expect(existsSync(path.join(image, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true);
  });

  it('answers /api/health with 200 in AWS mode when Cognito is reachable', async () => {
    const response = await fetch(`${baseUrl}/api/health`);
    expect(response.status, serverOutput).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', mode: 'aws', cognito: { reachable: true } });
  });

  it('serves the sign-in page and the static files it links to', async () => {
    const page = await fetch(`${baseUrl}/login`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = /\/_next\/static\/[^"]+\.js/.exec(html)?.[0];
    expect(script).toBeDefined();
    const asset = await fetch(`${baseUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });

  it('serves public/ (robots.txt keeps crawlers off the account page and the API)', async () => {
    const robots = await fetch(`${baseUrl}/robots.txt`);
    expect(robots.status).toBe(200);
    expect(await robots.text()).toBe(readFileSync(path.join(ROOT, 'public/robots.txt'), 'utf8'));
  });

  it('signs a password user in through Cognito and answers /api/auth/me with the session', async () => {
    await addPasswordUser(stack, 'standalone@example.com', 'Standalone-passw0rd');
    const jar = new CookieJar();
    const signIn = await jar.fetch(`${baseUrl}/api/auth/password`, jsonPost({ email: 'standalone@example.com', password: 'Standalone-passw0rd' }));
    expect(signIn.status, serverOutput).toBe(200);
    const me = await jar.fetch(`${baseUrl}/api/auth/me`);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: 'standalone@example.com', method: 'password' });
  });
});
