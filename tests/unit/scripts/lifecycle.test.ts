import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  nodeSupportNotice,
  runShutdownHooks,
  SDK_MINIMUM_NODE_MAJOR,
  SDK_NODE_WARNING_VARIABLE,
  SHUTDOWN_HOOKS,
  shutdownTimeoutMs,
} from '../../../scripts/lifecycle.mjs';

describe('SHUTDOWN_TIMEOUT_SECONDS', () => {
  it('defaults to 10 s when unset or empty', () => {
    expect(shutdownTimeoutMs(undefined)).toBe(10_000);
    expect(shutdownTimeoutMs('')).toBe(10_000);
    expect(shutdownTimeoutMs('  ')).toBe(10_000);
  });

  it('takes whole and fractional seconds up to an hour', () => {
    expect(shutdownTimeoutMs('25')).toBe(25_000);
    expect(shutdownTimeoutMs(' 0.5 ')).toBe(500);
    expect(shutdownTimeoutMs('3600')).toBe(3_600_000);
  });

  it.each(['0', '-1', '3601', 'ten', '1e3', '10s', 'Infinity', 'NaN', '0x10', '.5', '1.'])('refuses %j', (value) => {
    expect(() => shutdownTimeoutMs(value)).toThrow(/^SHUTDOWN_TIMEOUT_SECONDS must be a number of seconds/);
  });
});

/** What the installed AWS SDK itself does for a Node `version`: whether it emits its warning. */
function sdkWarns(version: string, env: Record<string, string> = {}): boolean {
  const script = `
    let warned = false;
    process.emitWarning = () => { warned = true; };
    require('@aws-sdk/core/client').emitWarningIfUnsupportedVersion(${JSON.stringify(version)});
    process.stdout.write(String(warned));`;
  const run = spawnSync(process.execPath, ['-e', script], {
    // Not the test process's environment: it carries the SDK's switch (vitest.config.ts).
    env: { PATH: process.env.PATH, ...env } as unknown as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  return run.stdout === 'true';
}

describe("the Node notice follows the AWS SDK's own rule", () => {
  it.each(['v18.20.0', 'v20.19.0', 'v20.20.2', 'v21.7.3', 'v22.0.0', 'v22.12.0', 'v24.11.1'])('%s', (version) => {
    const notice = nodeSupportNotice(version);
    expect(Boolean(notice)).toBe(sdkWarns(version));
    if (notice) {
      expect(notice).not.toContain('\n');
      expect(notice).toContain(`Node ${version}`);
      expect(notice).toContain(`Node >= ${SDK_MINIMUM_NODE_MAJOR}`);
    }
  });

  it('the variable the launcher sets is the one the SDK reads', () => {
    expect(sdkWarns('v20.20.2', { [SDK_NODE_WARNING_VARIABLE]: 'true' })).toBe(false);
  });
});

/**
 * What runs after the last request on SIGTERM (drainOnSignal): the telemetry SDK's flush. The
 * whole path, SIGTERM to exported spans, is in tests/http/telemetry.test.ts.
 */
describe('the shutdown hooks', () => {
  const registry = globalThis as { [key: symbol]: Array<() => Promise<void>> | undefined };
  const register = (hook: () => Promise<void>) => (registry[SHUTDOWN_HOOKS] ??= []).push(hook);
  afterEach(() => {
    delete registry[SHUTDOWN_HOOKS];
  });

  it('is the global key lib/telemetry/sdk.ts registers under', () => {
    expect(SHUTDOWN_HOOKS).toBe(Symbol.for('cognito-passkeys.shutdown-hooks'));
  });

  it('runs every hook and waits for them all', async () => {
    const finished: string[] = [];
    const after = (ms: number, name: string) => () =>
      new Promise<void>((resolve) => setTimeout(() => resolve(void finished.push(name)), ms));
    register(after(30, 'traces'));
    register(after(10, 'metrics'));
    await runShutdownHooks(5_000);
    expect(finished.sort()).toEqual(['metrics', 'traces']);
  });

  it('ends at the deadline when a hook hangs, and a failing hook stops nothing', async () => {
    let other = false;
    register(() => new Promise<void>(() => undefined));
    register(async () => {
      throw new Error('collector down');
    });
    register(async () => {
      other = true;
    });
    const started = Date.now();
    await runShutdownHooks(100);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(other).toBe(true);
  });

  it('returns at once with no hook registered', async () => {
    await expect(runShutdownHooks(60_000)).resolves.toBeUndefined();
  });
});
