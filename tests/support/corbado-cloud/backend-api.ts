import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { apiError, BadRequest, readJsonObject, requireOneOf, requireString, type Reply } from './http';
import type { ConnectTokenType, ProjectStore } from './store';

/**
 * Corbado's Backend API v2 (https://backendapi.cloud.corbado.io/v2), the two calls a Connect app
 * makes: connect tokens for the component (shapes from @corbado/node-sdk's bundled
 * backend_api_public_v2.yml: connectTokenCreateReq → connectToken) and verifySignedData for the
 * component's signedPasskeyData (Corbado's public API reference). HTTP Basic auth with
 * projectId:apiSecret.
 */

export interface BackendCall {
  path: string;
  body: unknown;
  status: number;
}

export interface BackendContext {
  store: ProjectStore;
  projectId: string;
  apiSecret: string;
  down: boolean;
}

const TOKEN_TYPES: readonly ConnectTokenType[] = ['passkey-append', 'passkey-list', 'passkey-delete'];

function authorized(header: string | undefined, projectId: string, apiSecret: string): boolean {
  const expected = Buffer.from(`Basic ${Buffer.from(`${projectId}:${apiSecret}`).toString('base64')}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function createConnectToken(ctx: BackendContext, body: Record<string, unknown>): Reply {
  const type = requireOneOf(body, 'type', TOKEN_TYPES) as ConnectTokenType;
  const data = body.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return apiError(400, 'validation_error', 'data must be an object');
  const identifier = requireString(data as Record<string, unknown>, 'identifier', 256);
  const lifetime = body.maxLifetimeInSeconds;
  if (lifetime !== undefined && (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < 1)) {
    return apiError(400, 'validation_error', 'maxLifetimeInSeconds must be a positive integer');
  }
  let tokenData: { identifier: string; displayName?: string } = { identifier };
  if (type === 'passkey-append') {
    const displayName = requireString(data as Record<string, unknown>, 'displayName', 256);
    ctx.store.linkUser(identifier, displayName);
    tokenData = { identifier, displayName };
  }
  const token = ctx.store.createToken(type, tokenData, lifetime as number | undefined);
  return { status: 200, body: token };
}

async function verifySignedData(ctx: BackendContext, body: Record<string, unknown>): Promise<Reply> {
  const signedPasskeyData = requireString(body, 'signedPasskeyData', 16_384);
  const username = requireString(body, 'username', 256);
  return { status: 200, body: { verificationResult: await ctx.store.verifyPasskeyData(signedPasskeyData, username) } };
}

/** Answers one Backend API request; every request is recorded in `calls`, whatever its fate. */
export async function answerBackend(ctx: BackendContext, req: IncomingMessage, calls: BackendCall[]): Promise<Reply> {
  const path = new URL(req.url ?? '/', 'http://backend').pathname;
  const call: BackendCall = { path, body: undefined, status: 0 };
  calls.push(call);
  const reply = await (async (): Promise<Reply> => {
    try {
      if (req.method === 'POST') call.body = await readJsonObject(req);
      if (ctx.down) return apiError(503, 'service_unavailable', 'the Backend API is down (stand-in fault)');
      if (!authorized(req.headers.authorization, ctx.projectId, ctx.apiSecret)) {
        return apiError(401, 'login_error', 'wrong project id or API secret');
      }
      if (req.method !== 'POST') return apiError(405, 'method_not_allowed');
      const body = call.body as Record<string, unknown>;
      if (path === '/v2/connectTokens') return createConnectToken(ctx, body);
      if (path === '/v2/passkey/verifySignedData') return await verifySignedData(ctx, body);
      return apiError(404, 'not_found');
    } catch (error) {
      if (error instanceof BadRequest) return error.reply;
      throw error;
    }
  })();
  call.status = reply.status;
  return reply;
}
