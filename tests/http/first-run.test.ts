import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDK_MINIMUM_NODE_MAJOR } from '../../scripts/lifecycle.mjs';
import type { Phase } from '../../scripts/first-run/phases';
import { firstClicks, startDev, type DevServer } from '../../scripts/first-run/steps';
import { launchBrowser } from '../support/browser';
import { isolatedEnv } from '../support/stack';

/**
 * `npm run first-run` in its reduced mode, on a copy of this checkout (its files as they are
 * now, node_modules hard-linked, a fresh .next and .data): `npm run dev` until the launcher
 * gives the address, then the README's first clicks up to a passkey, in Chromium. It checks
 * what the script relies on and what a newcomer's terminal shows in dev; the figures it prints
 * are not checked (they belong to the bench: `npm run first-run`, docs/BENCHMARKS.md).
 */
const scratch = mkdtempSync(path.join(tmpdir(), 'cognito-passkeys-first-run-test-'));
const dir = path.join(scratch, 'app');
let browser: Browser;
let dev: DevServer;

beforeAll(async () => {
  execSync(
    `mkdir -p ${dir} && git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C ${dir}`,
    { cwd: path.resolve('.') },
  );
  execSync(`cp -al ${path.resolve('node_modules')} ${dir}`);
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await dev?.stop();
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
}, 60_000);

describe('npm run dev on a fresh checkout, up to the first passkey', () => {
  it(
    'gives the address once the first pages are compiled, and the README clicks make a passkey',
    async () => {
      // Nothing inherited: the test process carries the AWS SDK's switches (vitest.config.ts).
      dev = await startDev(dir, isolatedEnv({}));
      expect(dev.url).toMatch(/^http:\/\/localhost:\d+\/login$/);

      // The nonce-based CSP holds in dev too: every script the page carries has the header's nonce.
      const page = await fetch(dev.url);
      const nonce = /'nonce-([^']+)'/.exec(page.headers.get('content-security-policy') ?? '')?.[1];
      expect(nonce).toBeTruthy();
      const scripts = [...(await page.text()).matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
      expect(scripts.length).toBeGreaterThan(0);
      expect(scripts.filter((tag) => !tag.includes(`nonce="${nonce}"`))).toEqual([]);

      const phases: Phase[] = [];
      await firstClicks(browser, dev.url, dir, phases);
      expect(phases.map((phase) => phase.name)).toEqual([
        'first page',
        'click: Continue (send a code)',
        'code from the outbox',
        'click: Continue (verify)',
        'click: Create a passkey',
      ]);
    },
    15 * 60_000,
  );

  it('compiled everything the clicks needed before it gave the address: no click waited on a compile', () => {
    const lines = dev
      .output()
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split('\n');
    const ready = lines.findIndex((line) => /^Ready: open /.test(line));
    expect(ready).toBeGreaterThan(-1);
    // Next announces a compile that takes a while with "○ Compiling <route> ...".
    expect(
      lines.slice(ready + 1).filter((line) => /Compiling /.test(line)),
      dev.output(),
    ).toEqual([]);
  });

  it('prints each start-up notice a person needs once, and none they cannot act on', () => {
    const lines = dev
      .output()
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split('\n');
    const count = (pattern: RegExp) => lines.filter((line) => pattern.test(line)).length;
    expect(count(/^Ready: open http:\/\/localhost:\d+\/login/), dev.output()).toBe(1);
    expect(count(/^Compiling the first pages/)).toBe(1);
    expect(count(/^Embedded mode: /)).toBe(1);
    const onDroppedNode = Number.parseInt(process.versions.node, 10) < SDK_MINIMUM_NODE_MAJOR;
    expect(count(/^Node v\S+ is past its end of life/)).toBe(onDroppedNode ? 1 : 0);
    // Next's address lines (the launcher gives the one to open) and its tsconfig line.
    expect(count(/^\s*- (Local|Network):/)).toBe(0);
    expect(count(/Using tsconfig file/)).toBe(0);
    expect(dev.output()).not.toMatch(/NodeVersionSupportWarning|AWS SDK for JavaScript|\(node:\d+\)/);
    expect(dev.output()).not.toMatch(/node-module-in-edge-runtime|Ecmascript file had an error/);
  });
});
