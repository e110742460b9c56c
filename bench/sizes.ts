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
 * First-load JS of an App Router route, as Next 15's build used to print it (Next 16 prints no
 * sizes): the root main files every page loads (`rootMainFiles` in `.next/build-manifest.json`:
 * Turbopack's runtime, React, Next's app runtime) together with the client chunks of the page and
 * of every layout on its path (`entryJSFiles` in the page's client reference manifest), JavaScript
 * files only, each counted once, each gzipped at level 9 as Next's size report did. Chunks loaded
 * later (the lazy Corbado component) are not among them, so they do not count.
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

/** The page's client reference manifest: a script that assigns it to globalThis.__RSC_MANIFEST. */
function clientReferenceManifest(route: string, nextDir: string): { entryJSFiles: Record<string, string[]> } {
  const page = `${route === '/' ? '' : route}/page`;
  const file = path.join(nextDir, 'server/app', `${page}_client-reference-manifest.js`);
  const sandbox = { globalThis: { __RSC_MANIFEST: {} as Record<string, { entryJSFiles: Record<string, string[]> }> } };
  new Function('globalThis', readFileSync(file, 'utf8'))(sandbox.globalThis);
  const manifest = sandbox.globalThis.__RSC_MANIFEST[page];
  if (!manifest) throw new Error(`${page} is not in ${path.relative('.', file)}`);
  return manifest;
}

/** The JavaScript files a route loads first, relative to `nextDir`. */
function firstLoadFiles(route: string, nextDir: string): Set<string> {
  const { rootMainFiles } = JSON.parse(readFileSync(path.join(nextDir, 'build-manifest.json'), 'utf8')) as {
    rootMainFiles: string[];
  };
  const segments = route.split('/').filter(Boolean);
  const layouts = ['/layout', ...segments.map((_, i) => `/${segments.slice(0, i + 1).join('/')}/layout`)];
  const page = `${route === '/' ? '' : route}/page`;
  const { entryJSFiles } = clientReferenceManifest(route, nextDir);
  const entries = [...layouts, page].map((entry) => entryJSFiles[`[project]/app${entry}`] ?? []);
  return new Set([...rootMainFiles, ...entries.flat()].filter((file) => file.endsWith('.js')));
}

function measure(route: string, files: Iterable<string>, nextDir: string): RouteSize {
  let count = 0;
  let gzipBytes = 0;
  let rawBytes = 0;
  for (const file of files) {
    const full = path.join(nextDir, file);
    gzipBytes += gzipSize(full);
    rawBytes += statSync(full).size;
    count += 1;
  }
  return { route, files: count, gzipBytes, rawBytes };
}

export function firstLoadJs(route: string, nextDir = '.next'): RouteSize {
  return measure(route, firstLoadFiles(route, nextDir), nextDir);
}

/**
 * `/login` as Connect mode loads it: the route's first-load JS plus the chunks of the lazy
 * Corbado Connect component, which Connect mode fetches at once. Turbopack lists each dynamic
 * import's files under a module id (`react-loadable-manifest.json` beside the page); the id of
 * the Connect component is the one its `next/dynamic` call names, in the page's own chunks.
 */
export function connectLoginFirstLoadJs(nextDir = '.next'): RouteSize {
  const base = firstLoadFiles('/login', nextDir);
  const loadable = JSON.parse(
    readFileSync(path.join(nextDir, 'server/app/login/page/react-loadable-manifest.json'), 'utf8'),
  ) as Record<string, { files: string[] }>;
  const call = /ConnectSignIn\)\)?,\{loadableGenerated:\{modules:\[(\d+)\]/;
  const id = [...base].map((file) => call.exec(readFileSync(path.join(nextDir, file), 'utf8'))?.[1]).find(Boolean);
  const entry = id ? loadable[id] : undefined;
  if (!entry) throw new Error("the lazy Connect sign-in is not in the login page's react-loadable-manifest.json");
  const files = new Set([...base, ...entry.files.filter((name) => name.endsWith('.js'))]);
  return measure('/login (Connect mode, with the lazy component)', files, nextDir);
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
