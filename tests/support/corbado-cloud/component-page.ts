import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { build, type Plugin } from 'esbuild';
import { patchCorbadoConnect, TARGET } from '../../../scripts/build/corbado-connect-patch.cjs';
import type { CorbadoCloud } from './index';

/**
 * A static test page on http://localhost:PORT that bundles the real @corbado/connect-react
 * (page/page.tsx, built with esbuild) and a tiny server standing for an app's server:
 * POST /token asks the Backend API for a connect token, POST /complete verifies signedPasskeyData,
 * and it answers the Corbado Connect Actions (pre-login maps the emails it issued append tokens
 * for to their usernames). This proves the stand-in with the real component independently of the
 * app. The component is the one the app ships: with the app's build-time corrections
 * (scripts/build/corbado-connect-patch.cjs). `strict: true` serves React's development build inside
 * <StrictMode>, as `npm run dev` runs it (every new component mounted, unmounted and mounted again).
 *
 *   const page = await startComponentPage();
 *   const cloud = await startCorbadoCloud({ appOrigin: page.origin, actions: page.actions });
 *   page.useCloud(cloud);
 *   await browserPage.goto(page.url('login', { username: 'cognito-user-1', email: 'ada@example.com' }));
 */

export interface ComponentPage {
  /** http://localhost:PORT (localhost, not 127.0.0.1: it is the WebAuthn RP ID). */
  origin: string;
  /** The Actions settings for startCorbadoCloud: this server answers them. */
  actions: { baseUrl: string; secret: string };
  url(
    mode: 'append' | 'login' | 'list',
    user: { username: string; email: string },
    options?: { strict?: boolean },
  ): string;
  useCloud(cloud: CorbadoCloud): void;
  /** The verifySignedData answers the page's server got, in order. */
  verifications: { username: string; verificationResult: string }[];
  close(): Promise<void>;
}

/** The app's corrections to the component, as its bundler loader applies them. */
const patchedComponent: Plugin = {
  name: 'corbado-connect-patch',
  setup(bundler) {
    bundler.onLoad({ filter: TARGET }, async (args) => ({
      contents: patchCorbadoConnect(await readFile(args.path, 'utf8'), args.path),
      loader: 'js',
    }));
  },
};

async function bundlePage(nodeEnv: 'production' | 'development'): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./page/page.tsx', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': JSON.stringify(nodeEnv) },
    plugins: [patchedComponent],
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

async function readJson(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
}

const escapeJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export async function startComponentPage(): Promise<ComponentPage> {
  const scripts = { production: await bundlePage('production'), development: await bundlePage('development') };
  let cloud: CorbadoCloud | undefined;
  const verifications: ComponentPage['verifications'] = [];
  const usernames = new Map<string, string>();
  const actionSecret = randomBytes(16).toString('hex');

  const backend = async (apiPath: string, body: unknown) => {
    if (!cloud) throw new Error('useCloud() first');
    const response = await fetch(`${cloud.backendApi}${apiPath}`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${cloud.projectId}:${cloud.apiSecret}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const answer = async () => {
      if (req.method === 'GET' && url.pathname === '/') {
        const config = {
          projectId: cloud?.projectId,
          frontendApiUrlSuffix: cloud?.frontendApiUrlSuffix,
          mode: url.searchParams.get('mode'),
          username: url.searchParams.get('username'),
          email: url.searchParams.get('email'),
          strict: url.searchParams.get('strict') === '1',
        };
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><html><head><meta charset="utf-8"><title>Corbado Connect component</title>` +
            // Keeps web-core's FingerprintJS from pinging its CDN (README of the reference).
            `<script>window.__fpjs_d_m = true; window.__PAGE_CONFIG__ = ${escapeJson(config)};</script>` +
            `</head><body><div id="root"></div><script src="/${config.strict ? 'page-dev' : 'page'}.js"></script></body></html>`,
        );
        return;
      }
      if (req.method === 'GET' && url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'GET' && (url.pathname === '/page.js' || url.pathname === '/page-dev.js')) {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(url.pathname === '/page.js' ? scripts.production : scripts.development);
        return;
      }
      if (req.method === 'POST' && url.pathname === '/token') {
        const { type, username, email } = await readJson(req);
        const data =
          type === 'passkey-append' ? { identifier: username, displayName: email } : { identifier: username };
        if (type === 'passkey-append' && email && username) usernames.set(email, username);
        const token = await backend('/v2/connectTokens', { type, data });
        res.writeHead(token.status === 200 ? 200 : 502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ secret: token.body.secret }));
        return;
      }
      if (req.method === 'POST' && url.pathname === '/complete') {
        const { signedPasskeyData, username } = await readJson(req);
        const verified = await backend('/v2/passkey/verifySignedData', { signedPasskeyData, username });
        const verificationResult = String(verified.body.verificationResult ?? `status ${verified.status}`);
        verifications.push({ username: username ?? '', verificationResult });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ verificationResult }));
        return;
      }
      if (req.method === 'POST' && url.pathname.startsWith('/api/corbado/connect/actions/')) {
        if (req.headers.authorization !== `Bearer ${actionSecret}`) {
          res.writeHead(401).end();
          return;
        }
        const body = await readJson(req);
        if (url.pathname.endsWith('/pre-login')) {
          const username = usernames.get(body.identifier ?? '');
          res.writeHead(username ? 200 : 404, { 'content-type': 'application/json' });
          res.end(JSON.stringify(username ? { username } : { error: 'user_not_found' }));
          return;
        }
        res.writeHead(204).end();
        return;
      }
      res.writeHead(404).end();
    };
    answer().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://localhost:${port}`;

  return {
    origin,
    actions: { baseUrl: `http://127.0.0.1:${port}`, secret: actionSecret },
    url: (mode, user, { strict = false } = {}) =>
      `${origin}/?${new URLSearchParams({ mode, username: user.username, email: user.email, ...(strict ? { strict: '1' } : {}) })}`,
    useCloud: (next) => {
      cloud = next;
    },
    verifications,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
