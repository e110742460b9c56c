import { createHash, randomBytes, randomInt, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { generate as generateCertificate } from 'selfsigned';
import { ActionsClient, type ActionCall, type ActionsConfig } from './actions';
import { answerBackend, type BackendCall, type BackendContext } from './backend-api';
import { frontendRoutes, type FrontendContext, type RecordedEvent } from './frontend-api';
import { apiError, BadRequest, readJsonObject, send, type Reply } from './http';
import { ProjectStore } from './store';

/**
 * A local stand-in for Corbado's cloud as a Corbado Connect project sees it: the Frontend API v2
 * `/v2/connect/*` (HTTPS, self-signed, CORS for the app's origin) that @corbado/connect-react
 * calls, the Backend API calls the app makes (connect tokens, verifySignedData), and Corbado
 * Connect Actions calling the app. Test support and local demo only: app/ and lib/ never import
 * it. See README.md beside this file.
 */

export interface CorbadoCloud {
  /** 'pro-' + digits */
  projectId: string;
  /** 'corbado1_' + random */
  apiSecret: string;
  /** What the provider's frontendApiUrlSuffix gets, e.g. 'frontendapi.test:PORT'. */
  frontendApiUrlSuffix: string;
  /** `https://${projectId}.${frontendApiUrlSuffix}` (for CORBADO_FRONTEND_API). */
  frontendApi: string;
  /** Base URL, empty path, no trailing slash (for CORBADO_BACKEND_API). */
  backendApi: string;
  /** Flags that let Chromium reach the Frontend API: host mapping and trust in its certificate. */
  chromiumArgs: string[];
  /** Every Backend API request received, in order (the bench budgets count these). */
  backendCalls(): { path: string; body: unknown; status: number }[];
  /** While down, the Backend API answers every request with 503. */
  setBackendDown(down: boolean): void;
  close(): Promise<void>;

  /** The Frontend API's certificate (PEM), for Node clients that must trust it. */
  certificate: string;
  /** base64 SHA-256 of the certificate's public key, as --ignore-certificate-errors-spki-list takes it. */
  spkiHash: string;
  /** Every Frontend API request, in order (preflights not included). */
  frontendCalls(): { path: string; status: number }[];
  /** Every call to the app's Corbado Connect Actions, in order. */
  actionCalls(): ActionCall[];
  /** The `/v2/connect/events` the component sent. */
  events(): RecordedEvent[];
  /** The passkeys Corbado holds for the user with this webauthnId (the Cognito username). */
  passkeysOf(username: string): { id: string; credentialID: string }[];
  /** Forgets users, passkeys, tokens, processes and logs; the Backend API comes back up. */
  reset(): void;
}

export interface CorbadoCloudOptions {
  /** The app's exact origin: the only CORS origin, the WebAuthn origin; its hostname is the RP ID. */
  appOrigin: string;
  /** Corbado Connect Actions calling the app; without them the typed identifier is the username. */
  actions?: ActionsConfig;
  /** The Frontend API's port (0 or absent: any free port). */
  port?: number;
  /**
   * The host the project's subdomain sits under: 'frontendapi.test' (default; Chromium needs the
   * host-resolver rule in chromiumArgs) or 'localhost' (pro-….localhost resolves to loopback in
   * Chromium and Firefox by themselves: for a person's browser).
   */
  host?: string;
  /** The Backend API's port (0 or absent: any free port). */
  backendPort?: number;
  /** Keep the certificate in this directory and reuse it, so a person accepts it only once. */
  tlsDir?: string;
  /** A fixed project id (e.g. for a demo's .env); default: random. */
  projectId?: string;
  /** A fixed API secret; default: random. */
  apiSecret?: string;
  /** Offer conditional UI (passkey autofill) to browsers that support it; default true. */
  conditionalUI?: boolean;
}

const DEFAULT_HOST = 'frontendapi.test';

async function loadCertificate(host: string, tlsDir: string | undefined): Promise<{ key: string; cert: string }> {
  const files = tlsDir && { key: path.join(tlsDir, 'key.pem'), cert: path.join(tlsDir, 'cert.pem') };
  if (files && existsSync(files.key) && existsSync(files.cert)) {
    const stored = { key: readFileSync(files.key, 'utf8'), cert: readFileSync(files.cert, 'utf8') };
    const x509 = new X509Certificate(stored.cert);
    // checkHost() does not match wildcards under a single-label name such as localhost.
    const names = (x509.subjectAltName ?? '').split(', ');
    if (names.includes(`DNS:*.${host}`) && new Date(x509.validTo) > new Date()) return stored;
  }
  const pems = await generateCertificate([{ name: 'commonName', value: `*.${host}` }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: `*.${host}` },
          { type: 2, value: host },
        ],
      },
    ],
  });
  const generated = { key: pems.private, cert: pems.cert };
  if (files && tlsDir) {
    mkdirSync(tlsDir, { recursive: true });
    writeFileSync(files.key, generated.key, { mode: 0o600 });
    writeFileSync(files.cert, generated.cert);
  }
  return generated;
}

function spkiHashOf(cert: string): string {
  const spki = new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

function listen(server: Server | HttpsServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

const closeServer = (server: Server | HttpsServer) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

function fail(res: ServerResponse, error: unknown, headers: Record<string, string> = {}): void {
  if (error instanceof BadRequest) {
    send(res, error.reply, headers);
    return;
  }
  console.error('corbado-cloud stand-in: unexpected error', error);
  send(res, apiError(500, 'internal_error'), headers);
}

export async function startCorbadoCloud(options: CorbadoCloudOptions): Promise<CorbadoCloud> {
  const appOrigin = new URL(options.appOrigin).origin;
  if (appOrigin !== options.appOrigin)
    throw new Error(`appOrigin must be an origin (scheme://host[:port]), got ${options.appOrigin}`);
  const host = options.host ?? DEFAULT_HOST;
  const projectId = options.projectId ?? `pro-${Array.from({ length: 10 }, () => randomInt(10)).join('')}`;
  const apiSecret = options.apiSecret ?? `corbado1_${randomBytes(24).toString('base64url')}`;
  const { key, cert } = await loadCertificate(host, options.tlsDir);
  const spkiHash = spkiHashOf(cert);
  const store = await ProjectStore.create(projectId);
  const actions = options.actions && new ActionsClient(options.actions);

  const backendCallLog: BackendCall[] = [];
  const frontendCallLog: { path: string; status: number }[] = [];
  const events: RecordedEvent[] = [];
  const routes = frontendRoutes(events);
  const backend: BackendContext = { store, projectId, apiSecret, down: false };

  const frontendServer = createHttpsServer({ key, cert });
  const backendServer = createHttpServer();
  const frontendPort = await listen(frontendServer, options.port ?? 0);
  const backendPort = await listen(backendServer, options.backendPort ?? 0).catch(async (error: unknown) => {
    await closeServer(frontendServer);
    throw error;
  });
  const frontendApiUrlSuffix = `${host}:${frontendPort}`;
  const frontendApi = `https://${projectId}.${frontendApiUrlSuffix}`;
  const frontend: FrontendContext = {
    store,
    actions,
    appOrigin,
    rpId: new URL(appOrigin).hostname,
    frontendApi,
    conditionalUI: options.conditionalUI ?? true,
  };

  frontendServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? '/', frontendApi).pathname;
    // A person opens the API's address once to accept its self-signed certificate.
    if (req.method === 'GET' && pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Corbado Connect stand-in: the certificate is accepted; go back to the app.\n');
      return;
    }
    if (req.headers.origin !== appOrigin) {
      send(res, apiError(403, 'origin_not_allowed', 'this origin is not allowed for the project'));
      return;
    }
    const cors: Record<string, string> = {
      'access-control-allow-origin': appOrigin,
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        vary: 'Origin, Access-Control-Request-Headers',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    const reply = async (): Promise<Reply> => {
      const route = routes[pathname];
      if (!route) return apiError(404, 'route_not_found');
      if (req.method !== 'POST') return apiError(405, 'method_not_allowed');
      if (req.headers.host !== `${projectId}.${frontendApiUrlSuffix}`) return apiError(404, 'project_not_found');
      if (req.headers['x-corbado-projectid'] !== projectId) return apiError(400, 'project_id_mismatch');
      const body = await readJsonObject(req);
      const processHeader = req.headers['x-corbado-process-id'];
      return route(frontend, {
        body,
        processId: typeof processHeader === 'string' && processHeader.length > 0 ? processHeader : undefined,
        userAgent: req.headers['user-agent'] ?? '',
      });
    };
    reply().then(
      (answer) => {
        frontendCallLog.push({ path: pathname, status: answer.status });
        send(res, answer, cors);
      },
      (error: unknown) => {
        frontendCallLog.push({ path: pathname, status: error instanceof BadRequest ? error.reply.status : 500 });
        fail(res, error, cors);
      },
    );
  });

  backendServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    answerBackend(backend, req, backendCallLog).then(
      (answer) => send(res, answer),
      (error: unknown) => fail(res, error),
    );
  });

  const chromiumArgs = [`--ignore-certificate-errors-spki-list=${spkiHash}`];
  if (host !== 'localhost') chromiumArgs.unshift(`--host-resolver-rules=MAP *.${host} 127.0.0.1`);

  return {
    projectId,
    apiSecret,
    frontendApiUrlSuffix,
    frontendApi,
    backendApi: `http://127.0.0.1:${backendPort}`,
    chromiumArgs,
    certificate: cert,
    spkiHash,
    backendCalls: () => backendCallLog.map(({ path: callPath, body, status }) => ({ path: callPath, body, status })),
    setBackendDown: (down) => {
      backend.down = down;
    },
    frontendCalls: () => [...frontendCallLog],
    actionCalls: () => [...(actions?.calls ?? [])],
    events: () => [...events],
    passkeysOf: (username) => {
      const user = store.userByWebauthnId(username);
      return user ? store.passkeysOf(user.id).map(({ id, credentialID }) => ({ id, credentialID })) : [];
    },
    reset: () => {
      store.clear();
      backendCallLog.length = 0;
      frontendCallLog.length = 0;
      events.length = 0;
      if (actions) actions.calls.length = 0;
      backend.down = false;
    },
    close: async () => {
      await Promise.all([closeServer(frontendServer), closeServer(backendServer)]);
    },
  };
}
