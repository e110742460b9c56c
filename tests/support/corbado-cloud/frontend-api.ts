import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { ActionsClient } from './actions';
import { apiError, BadRequest, requireOneOf, requireString, type Reply } from './http';
import { randomId, type ConnectProcess, type CorbadoUser, type ProjectStore, type StoredPasskey } from './store';

/**
 * Corbado's Frontend API v2, the `/v2/connect/*` part that @corbado/connect-react calls through
 * @corbado/web-core's generated client (paths, bodies and answers as in that installed client,
 * see README.md). WebAuthn is real: options from and verification by @simplewebauthn/server, for
 * the app's origin and RP ID.
 */

export interface FrontendContext {
  store: ProjectStore;
  actions: ActionsClient | undefined;
  appOrigin: string;
  rpId: string;
  frontendApi: string;
  /** Conditional UI is offered to browsers that say they support it, unless turned off. */
  conditionalUI: boolean;
}

export interface FrontendRequest {
  body: Record<string, unknown>;
  processId: string | undefined;
  userAgent: string;
}

export interface RecordedEvent {
  processId: string;
  eventType: string;
  message?: string;
}

const CEREMONY_TIMEOUT_MS = 60_000;
/** ConnectLoginStartReqSourceEnum and PasskeyEventType of the installed web-core client. */
const LOGIN_SOURCES = ['one-tap', 'text-field', 'error-soft', 'error-hard'];
const EVENT_TYPES = [
  'login-explicit-abort',
  'login-error',
  'login-error-untyped',
  'login-error-unexpected',
  'login-one-tap-switch',
  'user-append-after-cross-platform-blacklisted',
  'user-append-after-login-error-blacklisted',
  'append-credential-exists',
  'append-explicit-abort',
  'append-error',
  'append-error-unexpected',
  'manage-error-unexpected',
];

function identifierType(value: string): 'email' | 'username' {
  return value.includes('@') ? 'email' : 'username';
}

function requireProcess(ctx: FrontendContext, req: FrontendRequest): ConnectProcess {
  const process = ctx.store.process(req.processId);
  if (!process) throw new BadRequest(apiError(400, 'process_not_found', 'call an init endpoint first'));
  return process;
}

function parseCredentialJson<T extends { id: string }>(raw: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new BadRequest(apiError(400, 'validation_error', 'the WebAuthn response is not JSON'));
  }
  const id = (parsed as { id?: unknown } | null)?.id;
  if (typeof parsed !== 'object' || parsed === null || typeof id !== 'string') {
    throw new BadRequest(apiError(400, 'validation_error', 'the WebAuthn response has no credential id'));
  }
  return parsed as T;
}

/** What the component shows as "you" and sends back on one-tap login: what the lookup path understands. */
function shownIdentifier(ctx: FrontendContext, user: CorbadoUser): string {
  return ctx.actions ? user.displayName : user.webauthnId;
}

function describeClient(userAgent: string): { sourceOS: string; sourceBrowser: string } {
  const os = /Windows|Mac OS X|Android|iPhone|Linux/.exec(userAgent)?.[0] ?? 'Unknown';
  const browser = /Firefox|Edg|Chrome|Safari/.exec(userAgent)?.[0] ?? 'Unknown';
  return { sourceOS: os === 'Mac OS X' ? 'macOS' : os, sourceBrowser: browser === 'Edg' ? 'Edge' : browser };
}

function initAnswer(ctx: FrontendContext, process: ConnectProcess) {
  return { expiresAt: process.expiresAt, frontendApiUrl: ctx.frontendApi, flags: {} as Record<string, string> };
}

async function loginInit(ctx: FrontendContext, req: FrontendRequest): Promise<Reply> {
  const process = ctx.store.openProcess(req.processId);
  const client = req.body.clientInformation as { isConditionalMediationAvailable?: unknown } | undefined;
  const answer = { token: process.id, ...initAnswer(ctx, process), loginAllowed: true };
  if (!ctx.conditionalUI || client?.isConditionalMediationAvailable !== true) return { status: 200, body: answer };
  const options = await generateAuthenticationOptions({
    rpID: ctx.rpId,
    allowCredentials: [],
    userVerification: 'required',
    timeout: CEREMONY_TIMEOUT_MS,
  });
  process.conditionalUI = ctx.store.newCeremony(options.challenge);
  return {
    status: 200,
    body: {
      ...answer,
      conditionalUIChallenge: JSON.stringify({ publicKey: options }),
      flags: { 'conditional-ui-allowed': 'true' },
    },
  };
}

async function loginStart(ctx: FrontendContext, req: FrontendRequest): Promise<Reply> {
  const process = requireProcess(ctx, req);
  const identifier = requireString(req.body, 'identifier', 256);
  requireOneOf(req.body, 'source', LOGIN_SOURCES);
  let username = identifier;
  if (ctx.actions) {
    const found = await ctx.actions.preLogin(identifier);
    if (found.kind === 'failed') return apiError(500, 'action_failed', `pre-login action failed: ${found.reason}`);
    if (found.kind === 'not_found') return userNotFound();
    username = found.username;
  }
  const user = ctx.store.userByWebauthnId(username);
  if (!user) return userNotFound();
  const passkeys = ctx.store.passkeysOf(user.id);
  // A known user without passkeys: the component falls back (noPasskeyAvailable).
  if (passkeys.length === 0) return { status: 200, body: { assertionOptions: '', isCDA: false } };
  const options = await generateAuthenticationOptions({
    rpID: ctx.rpId,
    allowCredentials: passkeys.map((passkey) => ({ id: passkey.credentialID, transports: passkey.transports })),
    userVerification: 'required',
    timeout: CEREMONY_TIMEOUT_MS,
  });
  process.login = ctx.store.newCeremony(options.challenge, { userId: user.id, identifierValue: identifier });
  return { status: 200, body: { assertionOptions: JSON.stringify({ publicKey: options }), isCDA: false } };
}

/**
 * No user for the identifier: Corbado's spec (spec_v2.yaml, ConnectLoginStart) answers 404 "No user
 * was found for the identifier", which web-core turns into ConnectUserNotFound. A 200 is never
 * answered without assertionOptions' meaning: an empty string is "this user has no passkey".
 */
function userNotFound(): Reply {
  return apiError(404, 'not_found', 'No user was found for the identifier');
}

async function loginFinish(ctx: FrontendContext, req: FrontendRequest): Promise<Reply> {
  const process = requireProcess(ctx, req);
  const raw = requireString(req.body, 'assertionResponse', 16_384);
  const conditional = req.body.isConditionalUI === true;
  const ceremony = conditional ? process.conditionalUI : process.login;
  // A challenge answers one finish, right or wrong.
  if (conditional) delete process.conditionalUI;
  else delete process.login;
  if (!ceremony) return apiError(400, 'invalid_challenge', 'no login ceremony is waiting in this process');
  const response = parseCredentialJson<AuthenticationResponseJSON>(raw);
  const passkey = ctx.store.passkeyByCredentialId(response.id);
  // 404 tells the component the passkey is gone (deleted at Corbado, still on the device).
  if (!passkey) return apiError(404, 'passkey_not_found');
  if (ceremony.userId && passkey.userId !== ceremony.userId)
    return apiError(400, 'passkey_verification_failed', 'the passkey belongs to another user');
  const user = ctx.store.users.get(passkey.userId);
  if (!user) return apiError(404, 'passkey_not_found');
  let verified = false;
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: ctx.appOrigin,
      expectedRPID: ctx.rpId,
      credential: {
        id: passkey.credentialID,
        publicKey: passkey.publicKey as Uint8Array<ArrayBuffer>,
        counter: passkey.counter,
        transports: passkey.transports,
      },
      requireUserVerification: true,
    });
    verified = result.verified;
    if (verified) passkey.counter = result.authenticationInfo.newCounter;
  } catch {
    verified = false;
  }
  if (!verified) return apiError(400, 'passkey_verification_failed');
  passkey.lastUsed = new Date().toISOString();
  const identifierValue = ceremony.identifierValue ?? shownIdentifier(ctx, user);
  const signedPasskeyData = await ctx.store.signPasskeyData(user, passkey, process.id, ceremony.challengeId);
  return {
    status: 200,
    body: {
      passkeyOperation: {
        operationType: 'verify',
        identifierValue,
        identifierType: identifierType(identifierValue),
        ceremonyType: 'local',
      },
      // The component hands `session` to onComplete; the generated types also name it signedPasskeyData.
      session: signedPasskeyData,
      signedPasskeyData,
    },
  };
}

async function appendInit(ctx: FrontendContext, req: FrontendRequest): Promise<Reply> {
  const process = ctx.store.openProcess(req.processId);
  return { status: 200, body: { processID: process.id, ...initAnswer(ctx, process), appendAllowed: true } };
}

async function appendStart(ctx: FrontendContext, req: FrontendRequest): Promise<Reply> {
  const process = requireProcess(ctx, req);
  const token = ctx.store.useToken(req.body.appendTokenValue, 'passkey-append');
  if (!token)
    return apiError(400, 'invalid_connect_token', 'the append token is unknown, used, expired or of another type');
  const user = ctx.store.userByWebauthnId(token.data.identifier);
  if (!user) return apiError(400, 'invalid_connect_token');
  const options = await generateRegistrationOptions({
    rpName: 'Corbado Connect (local stand-in)',
    rpID: ctx.rpId,
    userName: user.displayName,
    userDisplayName: user.displayName,
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    excludeCredentials: ctx.store
      .passkeysOf(user.id)
      .map((passkey) => ({ id: passkey.credentialID, transports: passkey.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    timeout: CEREMONY_TIMEOUT_MS,
  });
  process.append = ctx.store.newCeremony(options.challenge, { userId: user.id });
  return { status: 200, body: { attestationOptions: JSON.stringify({ publicKey: options }), variant: 'default' } };
}

async function appendFinish(ctx: FrontendContext, req: FrontendRequest): Promise<Reply> {
  const process = requireProcess(ctx, req);
  const raw = requireString(req.body, 'attestationResponse', 16_384);
  const ceremony = process.append;
  delete process.append;
  if (!ceremony?.userId) return apiError(400, 'invalid_challenge', 'no append ceremony is waiting in this process');
  const user = ctx.store.users.get(ceremony.userId);
  if (!user) return apiError(400, 'invalid_challenge');
  const response = parseCredentialJson<RegistrationResponseJSON>(raw);
  let info;
  try {
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: ctx.appOrigin,
      expectedRPID: ctx.rpId,
      requireUserVerification: true,
    });
    info = result.verified ? result.registrationInfo : undefined;
  } catch {
    info = undefined;
  }
  if (!info) return apiError(400, 'passkey_verification_failed');
  if (ctx.store.passkeyByCredentialId(info.credential.id)) return apiError(400, 'passkey_already_exists');
  const created = new Date().toISOString();
  const passkey: StoredPasskey = {
    id: randomId('pas'),
    userId: user.id,
    credentialID: info.credential.id,
    publicKey: info.credential.publicKey,
    counter: info.credential.counter,
    transports: info.credential.transports ?? [],
    backupEligible: info.credentialDeviceType === 'multiDevice',
    backupState: info.credentialBackedUp,
    aaguid: info.aaguid,
    created,
    lastUsed: created,
    ...describeClient(req.userAgent),
  };
  ctx.store.passkeys.set(passkey.id, passkey);
  // The app must know about the passkey; if its action fails the append is undone, so the two agree.
  if (ctx.actions && !(await ctx.actions.postAppend(user.webauthnId, passkey.credentialID))) {
    ctx.store.passkeys.delete(passkey.id);
    return apiError(500, 'action_failed', 'post-append action failed');
  }
  const identifierValue = shownIdentifier(ctx, user);
  return {
    status: 200,
    body: {
      passkeyOperation: {
        operationType: 'append',
        identifierValue,
        identifierType: identifierType(identifierValue),
        ceremonyType: 'local',
        aaguidDetails: { name: 'Passkey', iconLight: '', iconDark: '' },
      },
    },
  };
}

async function manageInit(ctx: FrontendContext, req: FrontendRequest): Promise<Reply> {
  const process = ctx.store.openProcess(req.processId);
  return { status: 200, body: { processID: process.id, ...initAnswer(ctx, process), manageAllowed: true } };
}

function passkeyView(passkey: StoredPasskey) {
  return {
    id: passkey.id,
    credentialID: passkey.credentialID,
    attestationType: 'none',
    transport: passkey.transports,
    backupEligible: passkey.backupEligible,
    backupState: passkey.backupState,
    authenticatorAAGUID: passkey.aaguid,
    sourceOS: passkey.sourceOS,
    sourceBrowser: passkey.sourceBrowser,
    lastUsed: passkey.lastUsed,
    created: passkey.created,
    status: 'active',
    aaguidDetails: { name: 'Passkey', iconLight: '', iconDark: '' },
  };
}

async function manageList(ctx: FrontendContext, req: FrontendRequest): Promise<Reply> {
  requireProcess(ctx, req);
  const token = ctx.store.useToken(req.body.connectToken, 'passkey-list');
  if (!token) return apiError(400, 'invalid_connect_token', 'the list token is unknown, expired or of another type');
  const user = ctx.store.userByWebauthnId(token.data.identifier);
  const passkeys = user ? ctx.store.passkeysOf(user.id) : [];
  return { status: 200, body: { passkeys: passkeys.map(passkeyView) } };
}

async function manageDelete(ctx: FrontendContext, req: FrontendRequest): Promise<Reply> {
  requireProcess(ctx, req);
  const credentialID = requireString(req.body, 'credentialID', 1024);
  const token = ctx.store.useToken(req.body.connectToken, 'passkey-delete');
  if (!token)
    return apiError(400, 'invalid_connect_token', 'the delete token is unknown, used, expired or of another type');
  const user = ctx.store.userByWebauthnId(token.data.identifier);
  // The field is named credentialID, but the installed component sends the passkey's `id`
  // (PasskeyListScreen: onDeleteClick(passkey.id)); the WebAuthn credential id is accepted too.
  const passkey = user
    ? ctx.store.passkeysOf(user.id).find((p) => p.id === credentialID || p.credentialID === credentialID)
    : undefined;
  if (!passkey) return apiError(404, 'passkey_not_found', 'no such passkey for this user');
  ctx.store.passkeys.delete(passkey.id);
  return { status: 200, body: { credentialID } };
}

export function frontendRoutes(
  events: RecordedEvent[],
): Record<string, (ctx: FrontendContext, req: FrontendRequest) => Promise<Reply>> {
  return {
    '/v2/connect/login/init': loginInit,
    '/v2/connect/login/start': loginStart,
    '/v2/connect/login/finish': loginFinish,
    '/v2/connect/append/init': appendInit,
    '/v2/connect/append/start': appendStart,
    '/v2/connect/append/finish': appendFinish,
    '/v2/connect/manage/init': manageInit,
    '/v2/connect/manage/list': manageList,
    '/v2/connect/manage/delete': manageDelete,
    '/v2/connect/events': async (ctx, req) => {
      const process = requireProcess(ctx, req);
      const eventType = requireOneOf(req.body, 'eventType', EVENT_TYPES);
      const message = typeof req.body.message === 'string' ? req.body.message.slice(0, 1024) : undefined;
      events.push({ processId: process.id, eventType, ...(message ? { message } : {}) });
      return { status: 204 };
    },
  };
}
