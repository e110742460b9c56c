/**
 * `npm run first-run`: how long a newcomer waits from a fresh clone to their first passkey, phase
 * by phase, as the README's quick start has them do it: `git clone`, `npm ci`, `npm run dev` until
 * it gives the address, the first page, then each first click (Continue to send a code, the code from
 * the local outbox, Continue, Create a passkey) in Chromium with a virtual authenticator.
 *
 * Needs no network beyond the npm registry (and none at all with --link-modules). Not part of
 * `npm test` (minutes, and its figures depend on the machine); tests/unit/first-run.test.ts
 * checks its pieces against the real launcher. Figures: docs/BENCHMARKS.md, "First run".
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { firstClicks, PHASE_TIMEOUT_MS, startDev, timed, type DevServer } from './first-run/steps';
import { formatRuns, parseOptions, type FirstRunOptions, type Phase } from './first-run/phases';

const ROOT = path.resolve(__dirname, '..');

/** Runs `command` in `cwd`, its output kept for a failure; rejects on a non-zero exit. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, {
    cwd,
    env,
    encoding: 'utf8',
    timeout: PHASE_TIMEOUT_MS,
    maxBuffer: 64 << 20,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

async function oneRun(options: FirstRunOptions, browser: Browser, index: number): Promise<Phase[]> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'cognito-passkeys-first-run-'));
  const dir = path.join(scratch, 'app');
  const phases: Phase[] = [];
  const load: number[] = [];
  const sampler = setInterval(() => load.push(loadavg()[0] ?? 0), 5000);
  console.log(`run ${index + 1}: ${dir}`);
  let dev: DevServer | undefined;
  try {
    await timed(phases, dir, 'git clone', () => {
      run('git', ['clone', '--quiet', options.repo, dir], scratch);
      if (options.ref) run('git', ['checkout', '--quiet', options.ref], dir);
    });
    if (options.linkModules) {
      await timed(phases, dir, 'install (node_modules linked)', () =>
        run('cp', ['-al', path.join(ROOT, 'node_modules'), dir], dir),
      );
    } else {
      const cache = options.cache === 'cold' ? path.join(scratch, 'npm-cache') : options.cache;
      const env = cache ? { ...process.env, npm_config_cache: cache } : process.env;
      await timed(phases, dir, `npm ci (${options.cache === 'cold' ? 'cold' : 'warm'} cache)`, () =>
        run('npm', ['ci'], dir, env),
      );
    }
    await timed(phases, dir, 'npm run dev ready', async () => (dev = await startDev(dir)));
    await firstClicks(browser, dev!.url, dir, phases);
    return phases;
  } catch (error) {
    if (dev) console.error(dev.output());
    throw error;
  } finally {
    clearInterval(sampler);
    await dev?.stop();
    if (load.length)
      console.log(`  load average (1 min) during the run: ${(load.reduce((a, b) => a + b) / load.length).toFixed(2)}`);
    if (!options.keep) rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), ROOT);
  const browser = await launchBrowser();
  const runs: Phase[][] = [];
  try {
    for (let i = 0; i < options.runs; i++) runs.push(await oneRun(options, browser, i));
  } finally {
    await browser.close();
  }
  console.log(`\nTime to first passkey (${options.runs} run${options.runs > 1 ? 's' : ''}):`);
  console.log(formatRuns(runs));
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
