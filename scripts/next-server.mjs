/**
 * The production server `npm start` runs: Next.js's own request handler behind a plain Node
 * HTTP server that appends the connecting peer's address to X-Forwarded-For. `next start`
 * fills that header in only when a request has none, so a client talking to it directly could
 * pick the address the per-address rate limits count (lib/http/client-address.ts reads the
 * right-most entry). Plain JavaScript: it runs with `node`, without the react-server condition
 * the launcher uses.
 *
 * The container image (Dockerfile, target `runtime`) runs this same file on Next's standalone
 * output, instead of the `server.js` Next writes there, so both ways of running the app share
 * one method gate and one X-Forwarded-For rule (see standaloneConfig below).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import next from 'next';
import { drainOnSignal, shutdownTimeoutMs } from './lifecycle.mjs';

function option(names, fallback) {
  const args = process.argv.slice(2);
  const index = args.findIndex((arg) => names.includes(arg));
  return index >= 0 && args[index + 1] ? args[index + 1] : fallback;
}

let timeoutMs;
try {
  timeoutMs = shutdownTimeoutMs(process.env.SHUTDOWN_TIMEOUT_SECONDS);
} catch (error) {
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}
/**
 * The configuration of a standalone build in `dir`, as Next's own standalone `server.js` passes it
 * (the build's required-server-files.json, with the build folder relative to `dir`); undefined
 * for a regular build. A standalone folder holds no next.config.mjs, and Next reads its
 * configuration from this variable instead (and refuses the standalone output without it).
 */
function standaloneConfig(dir) {
  let config;
  try {
    ({ config } = JSON.parse(readFileSync(path.join(dir, '.next/required-server-files.json'), 'utf8')));
  } catch {
    return undefined;
  }
  return config?.output === 'standalone' ? { ...config, distDir: './.next' } : undefined;
}

const standalone = standaloneConfig(process.cwd());
if (standalone) process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(standalone);

const port = Number(option(['-p', '--port'], process.env.PORT ?? '3000'));
// The standalone server.js's own rule (the image sets HOSTNAME=0.0.0.0: Docker sets HOSTNAME to
// the container's name); `npm start` listens on every interface unless told.
const hostname = option(['-H', '--hostname'], standalone ? process.env.HOSTNAME || '0.0.0.0' : undefined);
const app = next({ dev: false, dir: process.cwd(), port, hostname });
const handle = app.getRequestHandler();
await app.prepare();

/**
 * The methods the app answers. Next fails on others before middleware runs (TRACE gives a 500
 * without the security headers: fetch's Request refuses it), so they are refused here, with
 * headers as strict as any answer's. Methods Node's parser does not know (TRACK, made-up ones)
 * never get this far: Node answers them with a bare 400 and closes the connection.
 */
const SERVED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const METHOD_NOT_ALLOWED = JSON.stringify({ error: { code: 'method_not_allowed', message: 'Method not allowed.' } });
const METHOD_NOT_ALLOWED_HEADERS = {
  allow: SERVED_METHODS.join(', '),
  'content-type': 'application/json',
  'content-length': String(Buffer.byteLength(METHOD_NOT_ALLOWED)),
  'content-security-policy': "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

const server = createServer((request, response) => {
  if (!SERVED_METHODS.includes(request.method ?? '')) {
    response.writeHead(405, METHOD_NOT_ALLOWED_HEADERS).end(METHOD_NOT_ALLOWED);
    return;
  }
  const peer = request.socket.remoteAddress ?? 'unknown';
  const forwarded = request.headers['x-forwarded-for'];
  request.headers['x-forwarded-for'] = forwarded ? `${forwarded}, ${peer}` : peer;
  void handle(request, response);
});
server.listen(port, hostname, () => {
  console.log(`Ready on http://${hostname ?? 'localhost'}:${port}`);
});
drainOnSignal(server, { timeoutMs, log: (line) => console.log(line) });
