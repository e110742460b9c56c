import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The production build the server section runs and the size section reads. Rebuilt when a
 * source file is newer than `.next/BUILD_ID`. Other builds may run in the same folder at the
 * same time; one that fails because files vanished under it (ENOENT in .next) is retried.
 */

const SOURCES = [
  'app',
  'lib',
  'middleware.ts',
  'instrumentation.ts',
  'next.config.mjs',
  'package.json',
  'tsconfig.json',
];

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(entry).reduce(
    (newest, name) => Math.max(newest, newestMtime(path.join(entry, name))),
    stat.mtimeMs,
  );
}

export function buildIsStale(): boolean {
  const buildId = path.join('.next', 'BUILD_ID');
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  return SOURCES.some((source) => newestMtime(source) > built);
}

/** Builds when stale; returns whether it did. */
export function ensureFreshBuild(log: (line: string) => void): boolean {
  if (!buildIsStale()) return false;
  for (let attempt = 1; ; attempt++) {
    log(`building the app (next build)${attempt > 1 ? `, attempt ${attempt}` : ''}...`);
    try {
      execFileSync(process.execPath, [require.resolve('next/dist/bin/next'), 'build'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
        encoding: 'utf8',
      });
      return true;
    } catch (error) {
      const output = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
      if (attempt >= 4 || !/ENOENT|Cannot find module '[^']*\.next/.test(output))
        throw new Error(`next build failed:\n${output.slice(-4000)}`);
      log('next build met files vanishing in .next (another build running?); waiting 20 s');
      execFileSync('sleep', ['20']);
    }
  }
}
