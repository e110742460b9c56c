import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SDK_MINIMUM_NODE_MAJOR } from '../../scripts/lifecycle.mjs';
import { isolatedEnv, startOnFreePort, untilServing } from '../support/stack';

/**
 * What a newcomer's terminal shows for `EMBEDDED=1 npm start` on a fresh data folder, through a
 * sign-in request and a SIGTERM: the launcher, the embedded Cognito and the Next server each
 * load the AWS SDK, which would print its notices from every one of them.
 */
const scratch = mkdtempSync(path.join(tmpdir(), 'cognito-passkeys-quiet-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const onDroppedNode = Number.parseInt(process.versions.node, 10) < SDK_MINIMUM_NODE_MAJOR;

describe('npm start on a fresh data folder', () => {
  it(`prints the Node notice ${onDroppedNode ? 'exactly once' : 'not at all'}, no SDK warning block, no line twice, and stops with 0`, async () => {
    let output = '';
    // Next must be told its port (APP_ORIGIN follows it): on another when another process takes it first.
    const { origin, child, exited } = await startOnFreePort(async (port) => {
      const origin = `http://localhost:${port}`;
      output = '';
      // Nothing inherited: the test process carries the SDK switches (vitest.config.ts); the launcher must set them.
      const child = spawn(
        path.resolve('node_modules/.bin/tsx'),
        ['--conditions=react-server', path.resolve('scripts/run.ts'), 'start', '-p', String(port)],
        {
          cwd: path.resolve('.'),
          env: isolatedEnv({
            EMBEDDED: '1',
            DATA_DIR: path.join(scratch, 'data'),
            // The embedded Cognito binds a port of its own and reports it.
            COGNITO_LOCAL_PORT: '0',
            APP_ORIGIN: origin,
            NEXT_TELEMETRY_DISABLED: '1',
          }),
        },
      );
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const stop = async () => {
        child.kill('SIGTERM');
        await exited;
      };
      await untilServing(child, () => output, `${origin}/api/health`, 'npm start', stop);
      return { origin, child, exited };
    });
    try {
      const health = await fetch(`${origin}/api/health`);
      expect(health.status, output).toBe(200);
      // A request that reaches Cognito through the SDK in the server process.
      const sent = await fetch(`${origin}/api/auth/email-code`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'newcomer@example.com' }),
      });
      expect(sent.status, output).toBe(202);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);

    const lines = output.split('\n').filter((line) => line.trim() !== '');
    const notices = lines.filter((line) => /^Node v\S+ is past its end of life/.test(line));
    expect(notices, output).toHaveLength(onDroppedNode ? 1 : 0);
    expect(output).not.toMatch(/NodeVersionSupportWarning|AWS SDK for JavaScript|a\.co\//);
    expect(output).not.toMatch(/\(node:\d+\)/);
    expect(
      lines.filter((line, index) => lines.indexOf(line) !== index),
      output,
    ).toEqual([]);
  });
});
