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

function option(names, fallback) {
  const args = process.argv.slice(2);
  const index = args.findIndex((arg) => names.includes(arg));
  return index >= 0 && args[index + 1] ? args[index + 1] : fallback;
}

const port = Number(option(['-p', '--port'], process.env.PORT ?? '3000'));
const hostname = option(['-H', '--hostname'], undefined);
const app = next({ dev: false, dir: process.cwd(), port, hostname });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((request, response) => {
  const peer = request.socket.remoteAddress ?? 'unknown';
  const forwarded = request.headers['x-forwarded-for'];
  request.headers['x-forwarded-for'] = forwarded ? `${forwarded}, ${peer}` : peer;
  void handle(request, response);
});
server.listen(port, hostname, () => {
  console.log(`Ready on http://${hostname ?? 'localhost'}:${port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
