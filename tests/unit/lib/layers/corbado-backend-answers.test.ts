import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { withEnvironment } from '../../../support/app-environment';

/**
 * What the app takes from Corbado's Backend API: answers from the configured origin only (a
 * redirect is an upstream failure, never followed, so a signed proof is never re-posted to
 * another origin and another origin's "success" is never trusted), and no answer larger than a
 * small cap (read as a stream and abandoned past it, so a huge answer costs no memory).
 * Both clients: Connect's own fetch (verifySignedData, connectTokens) and the Complete SDK.
 */

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
interface TestServer {
  origin: string;
  requests: string[];
  handle: Handler;
  /** Bytes of answer body written before the app hung up or the answer ended. */
  bytesSent: number;
  /** Whether the last answer was written to its end. */
  finished: boolean;
}

const servers: Server[] = [];
async function startServer(): Promise<TestServer> {
  const state: TestServer = { origin: '', requests: [], handle: () => undefined, bytesSent: 0, finished: false };
  const server = createServer((request, response) => {
    state.requests.push(`${request.method} ${request.url}`);
    request.resume();
    request.on('end', () => state.handle(request, response));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** Writes `megabytes` of JSON-string padding in 64 KiB chunks, honouring back-pressure, until the client hangs up. */
function streamHugeAnswer(state: TestServer, prefix: string, megabytes: number): Handler {
  return (_request, response) => {
    state.bytesSent = 0;
    state.finished = false;
    response.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let left = (megabytes * 1024 * 1024) / chunk.length;
    response.write(prefix);
    const pump = () => {
      while (left > 0 && !response.destroyed) {
        left -= 1;
        state.bytesSent += chunk.length;
        if (!response.write(chunk)) return void response.once('drain', pump);
      }
      if (!response.destroyed) response.end('"}', () => (state.finished = true));
    };
    pump();
  };
}

let backend: TestServer;
let elsewhere: TestServer;
beforeAll(async () => {
  [backend, elsewhere] = await Promise.all([startServer(), startServer()]);
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
beforeEach(() => {
  backend.requests = [];
  elsewhere.requests = [];
  vi.spyOn(console, 'error').mockImplementation(() => {});
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const PROJECT = { CORBADO_PROJECT_ID: 'pro-1234567890', CORBADO_API_SECRET: 'corbado1_abcdefghijklmnopqrstuvwxyz' };

/** The error code `call` throws (an AppError), or 'resolved'. */
async function codeOf(call: Promise<unknown>): Promise<string> {
  const { AppError } = await import('@/lib/errors');
  try {
    await call;
    return 'resolved';
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return error.code;
  }
}

const redirectTo =
  (location: string, status = 307): Handler =>
  (_request, response) => {
    response.writeHead(status, { location });
    response.end();
  };
const answerJson =
  (body: unknown): Handler =>
  (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

describe('Connect: verifySignedData and connectTokens', () => {
  async function connect() {
    withEnvironment({ ...PROJECT, CORBADO_BACKEND_API: backend.origin });
    return import('@/lib/layers/corbado-connect/backend-api');
  }

  it('control: a success from the configured origin is taken', async () => {
    const api = await connect();
    backend.handle = answerJson({ verificationResult: 'success' });
    expect(await api.verifySignedData('a.b.c', 'alice')).toBe('success');
    backend.handle = answerJson({ secret: 'token-secret' });
    expect(await api.createConnectToken('passkey-list', { identifier: 'alice' })).toBe('token-secret');
  });

  it.each([307, 308, 302, 301])(
    'a %i to another origin is an upstream failure; the proof never reaches that origin',
    async (status) => {
      const api = await connect();
      elsewhere.handle = answerJson({ verificationResult: 'success', secret: 'attacker-secret' });
      backend.handle = redirectTo(`${elsewhere.origin}/v2/passkey/verifySignedData`, status);
      expect(await codeOf(api.verifySignedData('a.b.c', 'alice'))).toBe('upstream_unavailable');
      backend.handle = redirectTo(`${elsewhere.origin}/v2/connectTokens`, status);
      expect(await codeOf(api.createConnectToken('passkey-list', { identifier: 'alice' }))).toBe(
        'upstream_unavailable',
      );
      expect(elsewhere.requests).toEqual([]);
    },
  );

  it('a redirect within the configured origin is not followed either', async () => {
    const api = await connect();
    backend.handle = (request, response) =>
      request.url === '/v2/passkey/verifySignedData'
        ? redirectTo('/v2/other')(request, response)
        : answerJson({ verificationResult: 'success' })(request, response);
    expect(await codeOf(api.verifySignedData('a.b.c', 'alice'))).toBe('upstream_unavailable');
    expect(backend.requests).toEqual(['POST /v2/passkey/verifySignedData']);
  });

  it('a 64 MB answer is abandoned after a small part: upstream failure, and the rest is never sent', async () => {
    const api = await connect();
    backend.handle = streamHugeAnswer(backend, '{"verificationResult":"success","padding":"', 64);
    expect(await codeOf(api.verifySignedData('a.b.c', 'alice'))).toBe('upstream_unavailable');
    // The socket buffers on both sides hold a few MB at most; the answer was cut off long before its end.
    await vi.waitFor(() => expect(backend.bytesSent).toBeGreaterThan(0));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(backend.finished).toBe(false);
    expect(backend.bytesSent).toBeLessThan(16 * 1024 * 1024);
  });

  it('an answer that says up front it is too large is refused without reading it', async () => {
    const api = await connect();
    backend.handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1024 * 1024) });
      response.write('{"verificationResult":"success"');
    };
    expect(await codeOf(api.verifySignedData('a.b.c', 'alice'))).toBe('upstream_unavailable');
  });
});

describe('Complete (legacy): the SDK’s Backend API client', () => {
  async function complete() {
    withEnvironment({ ...PROJECT, CORBADO_MODE: 'complete', CORBADO_BACKEND_API: backend.origin });
    return import('@/lib/layers/corbado-complete/backend');
  }
  const identifiers = (userID: string, value: string) => ({
    identifiers: [{ identifierID: 'ide-1', type: 'email', value, status: 'verified', userID }],
    paging: { page: 1, totalPages: 1, totalItems: 1 },
  });

  it('control: an answer from the configured origin is taken', async () => {
    const api = await complete();
    backend.handle = answerJson(identifiers('usr-1', 'alice@example.com'));
    expect(await api.corbadoEmailIsVerified('usr-1', 'alice@example.com')).toBe(true);
  });

  it('a redirect to another origin is an upstream failure; the call never reaches that origin', async () => {
    const api = await complete();
    elsewhere.handle = answerJson(identifiers('usr-1', 'alice@example.com'));
    backend.handle = redirectTo(`${elsewhere.origin}/v2/identifiers`);
    expect(await codeOf(api.corbadoEmailIsVerified('usr-1', 'alice@example.com'))).toBe('upstream_unavailable');
    expect(elsewhere.requests).toEqual([]);
  });

  it('a 64 MB answer is abandoned: upstream failure', async () => {
    const api = await complete();
    backend.handle = streamHugeAnswer(backend, '{"identifiers":[],"padding":"', 64);
    expect(await codeOf(api.corbadoEmailIsVerified('usr-1', 'alice@example.com'))).toBe('upstream_unavailable');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(backend.finished).toBe(false);
    expect(backend.bytesSent).toBeLessThan(16 * 1024 * 1024);
  });
});
