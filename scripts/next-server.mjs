/**
 * The production server `npm start` runs: Next.js's own request handler behind a plain Node
 * HTTP server that appends the connecting peer's address to X-Forwarded-For. `next start`
 * fills that header in only when a request has none, so a client talking to it directly could
 * pick the address the per-address rate limits count (lib/http/client-address.ts reads the
 * right-most entry). Plain JavaScript: it runs with `node`, without the react-server condition
 * the launcher uses.
 */
import { createServer } from 'node:http';
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
const port = Number(option(['-p', '--port'], process.env.PORT ?? '3000'));
const hostname = option(['-H', '--hostname'], undefined);
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
