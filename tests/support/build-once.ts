import { execFileSync } from 'node:child_process';

/**
 * The HTTP tests run the production build (`next start`), built once per test run.
 * TEST_SKIP_BUILD=1 reuses an existing .next when iterating on tests alone.
 */
export default function buildOnce(): void {
  if (process.env.TEST_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, [require.resolve('next/dist/bin/next'), 'build'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
}
