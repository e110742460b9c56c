/**
 * The timed steps of `npm run first-run` (scripts/first-run.ts) that a test can run against this
 * checkout too (tests/http/first-run.test.ts): `npm run dev` until it gives the address, then
 * the first page and the first clicks in Chromium with a virtual authenticator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { addAuthenticator, latestCode } from '../support/browser';
import { PortTakenError, startOnFreePort } from '../support/free-port';
import { DevReadyDetector, type Phase } from './phases';

/** No phase takes longer than this, however busy the machine. */
export const PHASE_TIMEOUT_MS = 10 * 60_000;

/** Seconds of CPU (user + system) in /proc/PID/stat, the process's own and its reaped children's. */
function cpuOf(pid: number | 'self'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14-17 of stat (utime, stime, cutime, cstime): 11-14 once pid, name and state are cut.
    return [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds spent for the newcomer so far: by this script's finished children (git, npm ci)
 * and by every process still working in `dir` (npm run dev, the launcher, Next and its workers).
 * On a machine shared with other work the wall-clock figures swell; this one barely moves.
 */
export function cpuSpent(dir: string): number {
  const own = process.cpuUsage();
  const children = cpuOf('self') - (own.user + own.system) / 1e6;
  return children + processesIn(dir).reduce((sum, pid) => sum + cpuOf(pid), 0);
}

/** Times one phase, wall clock and the CPU spent in `dir`; `step` may be async. */
export async function timed(phases: Phase[], dir: string, name: string, step: () => unknown): Promise<void> {
  const started = performance.now();
  const cpuBefore = cpuSpent(dir);
  await step();
  const phase = { name, ms: performance.now() - started, cpuMs: Math.max(0, cpuSpent(dir) - cpuBefore) * 1000 };
  phases.push(phase);
  console.log(`  ${name}: ${(phase.ms / 1000).toFixed(1)} s (CPU ${(phase.cpuMs / 1000).toFixed(1)} s)`);
}

/** The processes whose working folder is `dir` or inside it (Linux's /proc). */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const cwd = readlinkSync(`/proc/${pid}/cwd`);
        return cwd === dir || cwd.startsWith(`${dir}/`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

export interface DevServer {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Output of a dev server that lost the race for its port: Next prints the error and exits 1, and so does the launcher. */
const PORT_TAKEN = /EADDRINUSE/;

/**
 * `npm run dev` in `dir`, resolved when the launcher gives the address a person opens
 * (DevReadyDetector), with `baseEnv`. The embedded Cognito and DynamoDB bind ports of their own
 * (port 0); Next must be told its port before it starts (APP_ORIGIN follows it), so it starts on
 * startOnFreePort's port, and on another when another process takes it first. Its own process
 * group, so that stop() ends Next and its workers.
 */
export async function startDev(dir: string, baseEnv: NodeJS.ProcessEnv = process.env): Promise<DevServer> {
  return startOnFreePort((port) => startDevOnce(dir, baseEnv, port));
}

async function startDevOnce(dir: string, baseEnv: NodeJS.ProcessEnv, port: number): Promise<DevServer> {
  const child = spawn('npm', ['run', 'dev'], {
    cwd: dir,
    detached: true,
    env: {
      ...baseEnv,
      PORT: String(port),
      COGNITO_LOCAL_PORT: '0',
      // Telemetry would reach out to the network; a newcomer's first run asks them about it once.
      NEXT_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    // As Ctrl-C in a terminal: SIGINT to npm's whole group; the launcher passes it on to Next.
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, 'SIGINT');
      const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    // Next runs in a process group of its own; whatever outlived the launcher would keep
    // writing into the clone (and hold its port).
    for (const pid of processesIn(dir)) process.kill(pid, 'SIGKILL');
  };
  const url = await new Promise<string>((resolve, reject) => {
    const detector = new DevReadyDetector();
    let pending = '';
    const onData = (chunk: Buffer) => {
      output += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const ready = detector.feed(line);
        if (ready) resolve(ready);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) =>
      reject(
        PORT_TAKEN.test(output)
          ? new PortTakenError(`npm run dev lost its port:\n${output}`)
          : new Error(`npm run dev exited (${code}) before it was ready:\n${output}`),
      ),
    );
    setTimeout(
      () => reject(new Error(`npm run dev not ready after ${PHASE_TIMEOUT_MS / 1000} s:\n${output}`)),
      PHASE_TIMEOUT_MS,
    ).unref();
  }).catch(async (error: Error) => {
    await stop();
    throw error;
  });
  return { url, child, output: () => output, stop };
}

/**
 * The first page and the first clicks on it, timed: what the README's new-user scenario does.
 * `dir` is the checkout `npm run dev` runs in; its .data holds the local outbox with the code.
 */
export async function firstClicks(browser: Browser, loginUrl: string, dir: string, phases: Phase[]): Promise<void> {
  const dataDir = path.join(dir, '.data');
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(PHASE_TIMEOUT_MS);
    const authenticator = await addAuthenticator(page);
    const email = `newcomer.${Date.now()}@example.com`;
    // The email form's one primary button sends the code (its label is "Continue").
    const startForm = page.getByRole('form', { name: 'Sign in or create an account' });
    const sendButton = startForm.getByRole('button', { name: 'Continue' });
    await timed(phases, dir, 'first page', async () => {
      await page.goto(loginUrl);
      // Hydrated: every script the page asked for has loaded and run.
      await page.waitForLoadState('networkidle');
      await sendButton.waitFor();
    });
    await timed(phases, dir, 'click: Continue (send a code)', async () => {
      await startForm.getByLabel('Email').fill(email);
      await sendButton.click();
      await page.getByLabel('6-digit code').waitFor();
    });
    let code = '';
    await timed(phases, dir, 'code from the outbox', () => (code = latestCode(dataDir, email)));
    await timed(phases, dir, 'click: Continue (verify)', async () => {
      await page.getByLabel('6-digit code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Create a passkey' }).waitFor();
    });
    await timed(phases, dir, 'click: Create a passkey', async () => {
      await page.getByRole('button', { name: 'Create a passkey' }).click();
      await page.waitForURL((url) => url.pathname === '/account');
      await page.getByTestId('account-email').waitFor();
      if ((await authenticator.credentialCount()) !== 1) throw new Error('no passkey was created');
    });
  } finally {
    await context.close();
  }
}
