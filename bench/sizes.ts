import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { summarize } from './stats';

/**
 * Sizes, from the build's own files.
 *
 * First-load JS of an App Router route, computed as `next build` prints it: the route's entry in
 * `.next/app-build-manifest.json` (the root main files: webpack runtime, React, Next's app
 * runtime; plus the chunks of the page) together with the entries of every layout on its path
 * (`/layout`, `/login/layout`...), JavaScript files only, each counted once, each gzipped at
 * level 9 as Next's size report does. Chunks loaded later (the lazy Corbado component) are not
 * in the entry, so they do not count.
 */

export interface RouteSize {
  route: string;
  files: number;
  gzipBytes: number;
  rawBytes: number;
}

export interface LambdaSize {
  handler: string;
  bytes: number;
  gzipBytes: number;
  /** ms to import the bundle in a fresh node process (median of several processes). */
  coldImportMs: number;
}

const gzipSize = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;

export function firstLoadJs(route: string, nextDir = '.next'): RouteSize {
  const manifest = JSON.parse(readFileSync(path.join(nextDir, 'app-build-manifest.json'), 'utf8')) as {
    pages: Record<string, string[]>;
  };
  const segments = route.split('/').filter(Boolean);
  const layouts = ['/layout', ...segments.map((_, i) => `/${segments.slice(0, i + 1).join('/')}/layout`)];
  const page = `${route === '/' ? '' : route}/page`;
  if (!manifest.pages[page]) throw new Error(`${page} is not in ${nextDir}/app-build-manifest.json`);
  const files = new Set(
    [...layouts, page].flatMap((entry) => manifest.pages[entry] ?? []).filter((file) => file.endsWith('.js')),
  );
  let gzipBytes = 0;
  let rawBytes = 0;
  for (const file of files) {
    const full = path.join(nextDir, file);
    gzipBytes += gzipSize(full);
    rawBytes += statSync(full).size;
  }
  return { route, files: files.size, gzipBytes, rawBytes };
}

/**
 * `/login` as Connect mode loads it: the route's first-load JS plus the chunks of the lazy
 * Corbado Connect component, which Connect mode fetches at once (from
 * `.next/react-loadable-manifest.json`, where Next lists each dynamic import's files).
 */
export function connectLoginFirstLoadJs(nextDir = '.next'): RouteSize {
  const base = firstLoadJs('/login', nextDir);
  const loadable = JSON.parse(readFileSync(path.join(nextDir, 'react-loadable-manifest.json'), 'utf8')) as Record<
    string,
    { files: string[] }
  >;
  const entry = Object.entries(loadable).find(([key]) => key.startsWith('app/login/lazy-connect-sign-in.tsx'));
  if (!entry) throw new Error('the lazy Connect sign-in is not in react-loadable-manifest.json');
  const manifest = JSON.parse(readFileSync(path.join(nextDir, 'app-build-manifest.json'), 'utf8')) as {
    pages: Record<string, string[]>;
  };
  const counted = new Set([...(manifest.pages['/layout'] ?? []), ...(manifest.pages['/login/page'] ?? [])]);
  let { gzipBytes, rawBytes, files } = base;
  for (const file of entry[1].files.filter((name) => name.endsWith('.js') && !counted.has(name))) {
    const full = path.join(nextDir, file);
    gzipBytes += gzipSize(full);
    rawBytes += statSync(full).size;
    files += 1;
  }
  return { route: '/login (Connect mode, with the lazy component)', files, gzipBytes, rawBytes };
}

/** One fresh node process per sample: the time of `await import(bundle)`, as a Lambda cold start pays it. */
function coldImportMs(file: string, samples: number): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: path.dirname(file),
      encoding: 'utf8',
    });
    times.push(Number(out));
  }
  return summarize(times).median;
}

/** `npm run lambdas:build` into a temporary folder, then each bundle measured alone. */
export function lambdaSizes(samples: number): LambdaSize[] {
  const outRoot = mkdtempSync(path.join(tmpdir(), 'bench-lambdas-'));
  try {
    execFileSync('npm', ['run', '--silent', 'lambdas:build', '--', outRoot], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge'].map((handler) => {
      const file = path.join(outRoot, handler, 'index.mjs');
      return {
        handler,
        bytes: statSync(file).size,
        gzipBytes: gzipSize(file),
        coldImportMs: coldImportMs(file, samples),
      };
    });
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
}
