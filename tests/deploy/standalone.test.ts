import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/http';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { isolatedEnv, startOnFreePort, startTestCognito, untilServing, type TestCognito } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * What the container image runs, without a Docker engine: the build context .dockerignore lets
 * through, built with NEXT_OUTPUT=standalone as the Dockerfile's build stage does, laid out as its
 * runtime stage copies it (standalone server, static files, public/, the server script) in a
 * folder of its own, and served by the runtime stage's own CMD against the embedded Cognito
 * standing in for AWS.
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

/** The Dockerfile's runtime stage: what it copies from the build stage, and the command it runs. */
function runtimeStage(): { copies: { sources: string[]; target: string }[]; command: string[] } {
  const lines = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stage = lines.slice(lines.findIndex((line) => /^FROM \S+ AS runtime$/.test(line)) + 1);
  const copies = stage
    .filter((line) => line.startsWith('COPY '))
    .map((line) => {
      const words = line.split(/\s+/).slice(1);
      expect(words, `${line}: the stage copies only from the build stage`).toContain('--from=build');
      const paths = words.filter((word) => !word.startsWith('--'));
      return { sources: paths.slice(0, -1), target: paths[paths.length - 1]! };
    });
  const cmd = stage.find((line) => line.startsWith('CMD '));
  return { copies, command: JSON.parse(cmd!.slice('CMD '.length)) as string[] };
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
  await run('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(context, 'node_modules')], {
    cwd: ROOT,
    env: process.env,
  }).catch(() =>
    run('cp', ['-a', path.join(ROOT, 'node_modules'), path.join(context, 'node_modules')], {
      cwd: ROOT,
      env: process.env,
    }),
  );
  // nice: the build shares the machine with the other test files running beside it.
  // The context's own copy of Next: one React instance, resolved from the context's node_modules.
  await run('nice', ['-n', '19', process.execPath, path.join(context, 'node_modules/next/dist/bin/next'), 'build'], {
    cwd: context,
    env: isolatedEnv({ NEXT_OUTPUT: 'standalone', NEXT_TELEMETRY_DISABLED: '1' }),
  });

  // Docker's COPY rules: a folder's contents go into the target; files into a target ending in /.
  const { copies, command } = runtimeStage();
  for (const { sources, target } of copies) {
    for (const source of sources) {
      const from = path.join(context, path.relative('/app', source));
      const to =
        target.endsWith('/') && !statSync(from).isDirectory()
          ? path.join(image, target, path.basename(source))
          : path.join(image, target);
      // Symlinks as they are, as COPY keeps them: Turbopack's standalone output reaches its
      // external packages (`serverExternalPackages`) through relative links under
      // .next/node_modules, which a copy that rewrote them to absolute paths would break.
      cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    }
  }
  // The build folder goes, as it does not exist in the image: the server must need nothing from it.
  rmSync(context, { recursive: true, force: true });

  stack = await startTestCognito();
  const { EMBEDDED: _embedded, ...awsModeEnv } = stack.env;
  expect(command[0]).toBe('node');
  // The server must be told its port (PORT, APP_ORIGIN): on another when another process takes it first.
  await startOnFreePort(async (port) => {
    serverOutput = '';
    server = spawn(process.execPath, command.slice(1), {
      cwd: image,
      env: isolatedEnv({
        ...awsModeEnv,
        APP_ORIGIN: `http://localhost:${port}`,
        NODE_ENV: 'production',
        PORT: String(port),
        HOSTNAME: '127.0.0.1',
        // Codes to the outbox: declared. The passkey store is the test's DynamoDB (stack.env).
        EMAIL_OUTBOX_IN_PRODUCTION: '1',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk) => (serverOutput += chunk));
    server.stderr?.on('data', (chunk) => (serverOutput += chunk));
    baseUrl = `http://localhost:${port}`;
    const stop = async () => {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    };
    await untilServing(server, () => serverOutput, `${baseUrl}/api/health/live`, command.join(' '), stop);
  });
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
  it('carries no dev dependency of the app, and nothing of the embedded DynamoDB (the launcher’s only)', () => {
    const { devDependencies } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const shipped = readdirSync(path.join(image, 'node_modules')).flatMap((name) =>
      name.startsWith('@')
        ? readdirSync(path.join(image, 'node_modules', name)).map((sub) => `${name}/${sub}`)
        : [name],
    );
    expect(shipped.filter((name) => name in devDependencies)).toEqual([]);
    expect(shipped.filter((name) => ['dynalite', 'classic-level', 'better-sqlite3'].includes(name))).toEqual([]);
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
    const signIn = await jar.fetch(
      `${baseUrl}/api/auth/password`,
      jsonPost({ email: 'standalone@example.com', password: 'Standalone-passw0rd' }),
    );
    expect(signIn.status, serverOutput).toBe(200);
    const me = await jar.fetch(`${baseUrl}/api/auth/me`);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: 'standalone@example.com', method: 'password' });
  });

  it.each(['TRACE', 'LOCK', 'PURGE'])(
    'answers %s, a method the app does not serve, with 405 and the security headers',
    async (method) => {
      const response = await rawRequest(`${baseUrl}/login`, { method, headers: { cookie: 'secret-canary=1' } });
      expect(response.status, serverOutput).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = await response.text();
      expect(body).not.toContain('secret-canary');
      expect(JSON.parse(body)).toEqual({ error: { code: 'method_not_allowed', message: expect.any(String) } });
    },
  );

  it('appends the peer to X-Forwarded-For: a client talking to it directly cannot pick the address the limits count', async () => {
    const send = (i: number) =>
      rawRequest(`${baseUrl}/api/auth/email-code`, {
        headers: { origin: baseUrl, 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i}` },
        body: JSON.stringify({ email: `spoof-${i}@example.com` }),
      });
    for (let i = 0; i < 20; i++) expect((await send(i)).status, serverOutput).toBe(202);
    expect((await send(20)).status).toBe(429);
  });

  // Last: it stops the server.
  it('on SIGTERM drains and exits 0, with the deadline of SHUTDOWN_TIMEOUT_SECONDS', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited, serverOutput).toBe(0);
    expect(serverOutput).toContain('SIGTERM: finishing the requests in flight (at most 10 s), then stopping.');
  });
});
