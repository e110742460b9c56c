import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT, decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { startCorbadoCloud, type CorbadoCloud } from '../support/corbado-cloud';
import { backendPost, ConnectClient, connectToken } from '../support/corbado-cloud/client';
import { SoftAuthenticator } from '../support/soft-authenticator';

/**
 * The Corbado Connect stand-in (tests/support/corbado-cloud) against the published API: the
 * Frontend API paths, headers and bodies of the installed @corbado/web-core 2.18 client (the real
 * component is driven against it in tests/browser/corbado-cloud-component.test.ts), the Backend
 * API shapes of @corbado/node-sdk's spec and Corbado's API reference, real WebAuthn from a
 * software authenticator. web-core's client itself cannot run in Node (its ConnectService needs
 * FingerprintJS, the DOM and localStorage, and the bundle does not export CorbadoConnectApi), so
 * ConnectClient sends what it sends, and the browser test runs the real thing.
 */

const APP_ORIGIN = 'http://localhost:3999';

let cloud: CorbadoCloud;

beforeAll(async () => {
  cloud = await startCorbadoCloud({ appOrigin: APP_ORIGIN });
});
afterAll(async () => {
  await cloud.close();
});
afterEach(() => {
  cloud.reset();
});

async function userWithPasskey(username: string, email: string) {
  const authenticator = new SoftAuthenticator(APP_ORIGIN);
  const client = new ConnectClient(cloud, APP_ORIGIN);
  const token = await connectToken(cloud, 'passkey-append', { identifier: username, displayName: email });
  const appended = await client.appendPasskey(authenticator, token);
  expect(appended.status).toBe(200);
  return { authenticator, client };
}

async function signedPasskeyDataFor(username: string, authenticator: SoftAuthenticator): Promise<string> {
  const login = await new ConnectClient(cloud, APP_ORIGIN).loginWithPasskey(authenticator, username);
  expect(login.status).toBe(200);
  return (login.body as { session: string }).session;
}

const verify = (signedPasskeyData: string, username: string) =>
  backendPost(cloud, '/v2/passkey/verifySignedData', { signedPasskeyData, username });

describe('append, login and verifySignedData', () => {
  it('appends a passkey with a connect token, logs in with it, and verifies the data once', async () => {
    const { authenticator } = await userWithPasskey('cognito-user-1', 'ada@example.com');
    expect(cloud.passkeysOf('cognito-user-1')).toHaveLength(1);

    const client = new ConnectClient(cloud, APP_ORIGIN);
    await client.loginInit();
    const start = await client.loginStart('cognito-user-1');
    expect(start.status).toBe(200);
    const { publicKey } = JSON.parse(start.body.assertionOptions) as {
      publicKey: PublicKeyCredentialRequestOptionsJSON;
    };
    expect(publicKey.rpId).toBe('localhost');
    expect(publicKey.allowCredentials?.map((c) => c.id)).toEqual([authenticator.id]);
    const finish = await client.loginFinish(authenticator.authenticate(publicKey));
    expect(finish.status).toBe(200);
    expect(finish.body.passkeyOperation).toMatchObject({
      operationType: 'verify',
      identifierValue: 'cognito-user-1',
      ceremonyType: 'local',
    });
    expect(finish.body.signedPasskeyData).toBe(finish.body.session);

    const claims = decodeJwt(finish.body.session);
    expect(claims).toMatchObject({
      iss: cloud.projectId,
      webauthnId: 'cognito-user-1',
      credential: authenticator.id,
      processId: client.processId,
    });
    expect(claims.sub).toMatch(/^usr-\d+$/);
    expect(typeof claims.jti).toBe('string');
    expect(typeof claims.challengeId).toBe('string');
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);

    expect((await verify(finish.body.session, 'cognito-user-1')).body).toEqual({ verificationResult: 'success' });
    expect((await verify(finish.body.session, 'cognito-user-1')).body).toEqual({
      verificationResult: 'invalid_challenge',
    });
    expect(cloud.backendCalls().map((call) => call.path)).toEqual([
      '/v2/connectTokens',
      '/v2/passkey/verifySignedData',
      '/v2/passkey/verifySignedData',
    ]);
  });

  it('answers user_mismatch for data of another user, and the data is spent', async () => {
    const { authenticator } = await userWithPasskey('cognito-user-1', 'ada@example.com');
    const data = await signedPasskeyDataFor('cognito-user-1', authenticator);
    expect((await verify(data, 'cognito-user-2')).body).toEqual({ verificationResult: 'user_mismatch' });
    expect((await verify(data, 'cognito-user-1')).body).toEqual({ verificationResult: 'invalid_challenge' });
  });

  it('answers invalid_signature for data signed by another key or tampered with', async () => {
    const { authenticator } = await userWithPasskey('cognito-user-1', 'ada@example.com');
    const data = await signedPasskeyDataFor('cognito-user-1', authenticator);
    const claims = decodeJwt(data);
    const stranger = await generateKeyPair('RS256');
    const forged = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256' }).sign(stranger.privateKey);
    expect((await verify(forged, 'cognito-user-1')).body).toEqual({ verificationResult: 'invalid_signature' });

    const [header, , signature] = data.split('.');
    const otherPayload = Buffer.from(JSON.stringify({ ...claims, webauthnId: 'cognito-admin' })).toString('base64url');
    expect((await verify(`${header}.${otherPayload}.${signature}`, 'cognito-admin')).body).toEqual({
      verificationResult: 'invalid_signature',
    });
    expect((await verify('not-a-jwt', 'cognito-user-1')).body).toEqual({ verificationResult: 'invalid_signature' });
    // The real data is still good: forgeries spend nothing.
    expect((await verify(data, 'cognito-user-1')).body).toEqual({ verificationResult: 'success' });
  });

  it('refuses an assertion signed by another key, and a challenge is good for one finish only', async () => {
    const { authenticator } = await userWithPasskey('cognito-user-1', 'ada@example.com');
    const client = new ConnectClient(cloud, APP_ORIGIN);
    await client.loginInit();
    const start = await client.loginStart('cognito-user-1');
    const { publicKey } = JSON.parse(start.body.assertionOptions) as {
      publicKey: PublicKeyCredentialRequestOptionsJSON;
    };
    const imposter = new SoftAuthenticator(APP_ORIGIN, { credentialId: authenticator.credentialId });
    const bad = await client.loginFinish(imposter.authenticate(publicKey));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { type: 'passkey_verification_failed' } });
    const retry = await client.loginFinish(authenticator.authenticate(publicKey));
    expect(retry.status).toBe(400);
    expect(retry.body).toMatchObject({ error: { type: 'invalid_challenge' } });
  });

  it('refuses an assertion made for another origin', async () => {
    const { authenticator } = await userWithPasskey('cognito-user-1', 'ada@example.com');
    const client = new ConnectClient(cloud, APP_ORIGIN);
    await client.loginInit();
    const start = await client.loginStart('cognito-user-1');
    const { publicKey } = JSON.parse(start.body.assertionOptions) as {
      publicKey: PublicKeyCredentialRequestOptionsJSON;
    };
    const phished = await client.loginFinish(
      authenticator.authenticate(publicKey, { origin: 'http://localhost.evil.example' }),
    );
    expect(phished.status).toBe(400);
  });

  it('refuses another user’s passkey answering a login started for this user', async () => {
    await userWithPasskey('cognito-user-1', 'ada@example.com');
    const { authenticator: bobs } = await userWithPasskey('cognito-user-2', 'bob@example.com');
    const client = new ConnectClient(cloud, APP_ORIGIN);
    await client.loginInit();
    const start = await client.loginStart('cognito-user-1');
    const { publicKey } = JSON.parse(start.body.assertionOptions) as {
      publicKey: PublicKeyCredentialRequestOptionsJSON;
    };
    const finish = await client.loginFinish(bobs.authenticate(publicKey));
    expect(finish.status).toBe(400);
    expect(finish.body).toMatchObject({ error: { type: 'passkey_verification_failed' } });
  });

  it('refuses a registration made for another origin or RP ID, and stores nothing', async () => {
    for (const tampering of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { userVerified: false }]) {
      const token = await connectToken(cloud, 'passkey-append', {
        identifier: 'cognito-user-1',
        displayName: 'ada@example.com',
      });
      const client = new ConnectClient(cloud, APP_ORIGIN);
      await client.appendInit();
      const start = await client.appendStart(token);
      const { publicKey } = JSON.parse(start.body.attestationOptions) as {
        publicKey: Parameters<SoftAuthenticator['register']>[0];
      };
      const finish = await client.appendFinish(new SoftAuthenticator(APP_ORIGIN).register(publicKey, tampering));
      expect(finish.status, JSON.stringify(tampering)).toBe(400);
    }
    expect(cloud.passkeysOf('cognito-user-1')).toEqual([]);
  });

  it("answers 404 for an unknown identifier (as Corbado's spec says) and no options for a user without passkeys", async () => {
    const client = new ConnectClient(cloud, APP_ORIGIN);
    await client.loginInit();
    const unknown = await client.loginStart('nobody');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ httpStatusCode: 404, error: { type: 'not_found' } });

    await connectToken(cloud, 'passkey-append', { identifier: 'cognito-user-3', displayName: 'cy@example.com' });
    const without = await client.loginStart('cognito-user-3');
    expect(without.body).toEqual({ assertionOptions: '', isCDA: false });
  });

  it('logs in with conditional UI (no login/start) when the browser supports it', async () => {
    const { authenticator } = await userWithPasskey('cognito-user-1', 'ada@example.com');
    const client = new ConnectClient(cloud, APP_ORIGIN);
    const init = await client.loginInit({ conditionalMediation: true });
    expect(init.body.flags).toEqual({ 'conditional-ui-allowed': 'true' });
    const { publicKey } = JSON.parse(init.body.conditionalUIChallenge!) as {
      publicKey: PublicKeyCredentialRequestOptionsJSON;
    };
    expect(publicKey.allowCredentials).toEqual([]);
    const finish = await client.loginFinish(authenticator.authenticate(publicKey), true);
    expect(finish.status).toBe(200);
    expect((await verify(finish.body.session, 'cognito-user-1')).body).toEqual({ verificationResult: 'success' });

    const noAutofill = await new ConnectClient(cloud, APP_ORIGIN).loginInit({ conditionalMediation: false });
    expect(noAutofill.body.flags).toEqual({});
    expect(noAutofill.body.conditionalUIChallenge).toBeUndefined();
  });

  it('answers 404 on login/finish for a passkey Corbado no longer has', async () => {
    const client = new ConnectClient(cloud, APP_ORIGIN);
    const init = await client.loginInit({ conditionalMediation: true });
    const { publicKey } = JSON.parse(init.body.conditionalUIChallenge!) as {
      publicKey: PublicKeyCredentialRequestOptionsJSON;
    };
    const finish = await client.loginFinish(new SoftAuthenticator(APP_ORIGIN).authenticate(publicKey), true);
    expect(finish.status).toBe(404);
  });
});

describe('lifetimes', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers invalid_challenge for signedPasskeyData older than 5 minutes', async () => {
    const { authenticator } = await userWithPasskey('cognito-user-1', 'ada@example.com');
    const data = await signedPasskeyDataFor('cognito-user-1', authenticator);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 5 * 60_000 + 2_000 });
    expect((await verify(data, 'cognito-user-1')).body).toEqual({ verificationResult: 'invalid_challenge' });
  });

  it('refuses a connect token past its lifetime (maxLifetimeInSeconds, else 10 minutes)', async () => {
    const short = await backendPost(cloud, '/v2/connectTokens', {
      type: 'passkey-list',
      data: { identifier: 'cognito-user-1' },
      maxLifetimeInSeconds: 60,
    });
    const long = await connectToken(cloud, 'passkey-list', { identifier: 'cognito-user-1' });
    const client = new ConnectClient(cloud, APP_ORIGIN);
    await client.manageInit();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    expect((await client.manageList(short.body.secret as string)).status).toBe(400);
    expect((await client.manageList(long)).status).toBe(200);
    vi.setSystemTime(Date.now() + 10 * 60_000);
    expect((await client.manageList(long)).status).toBe(400);
  });
});

describe('connect tokens', () => {
  it('uses an append token once', async () => {
    const token = await connectToken(cloud, 'passkey-append', {
      identifier: 'cognito-user-1',
      displayName: 'ada@example.com',
    });
    const client = new ConnectClient(cloud, APP_ORIGIN);
    expect((await client.appendPasskey(new SoftAuthenticator(APP_ORIGIN), token)).status).toBe(200);
    const again = await client.appendPasskey(new SoftAuthenticator(APP_ORIGIN), token);
    expect(again.status).toBe(400);
    expect(cloud.passkeysOf('cognito-user-1')).toHaveLength(1);
  });

  it('refuses a token of another type for append', async () => {
    const listToken = await connectToken(cloud, 'passkey-list', { identifier: 'cognito-user-1' });
    const client = new ConnectClient(cloud, APP_ORIGIN);
    expect((await client.appendPasskey(new SoftAuthenticator(APP_ORIGIN), listToken)).status).toBe(400);
  });

  it('lists with a reusable list token and deletes with a single-use delete token, only the token user’s passkeys', async () => {
    await userWithPasskey('cognito-user-1', 'ada@example.com');
    await userWithPasskey('cognito-user-2', 'bob@example.com');
    const client = new ConnectClient(cloud, APP_ORIGIN);
    await client.manageInit();
    const listToken = await connectToken(cloud, 'passkey-list', { identifier: 'cognito-user-1' });
    const list = await client.manageList(listToken);
    expect(list.status).toBe(200);
    expect(list.body.passkeys).toHaveLength(1);
    expect(list.body.passkeys[0]).toMatchObject({
      status: 'active',
      attestationType: 'none',
      sourceOS: 'Linux',
      sourceBrowser: 'Chrome',
    });

    const bobs = cloud.passkeysOf('cognito-user-2')[0]!;
    const deleteToken = await connectToken(cloud, 'passkey-delete', { identifier: 'cognito-user-1' });
    const crossUser = await client.manageDelete(deleteToken, bobs.id);
    expect(crossUser.status).toBe(404);
    expect(cloud.passkeysOf('cognito-user-2')).toHaveLength(1);
    expect((await client.manageDelete(deleteToken, list.body.passkeys[0]!.id)).status).toBe(400);

    const secondDelete = await connectToken(cloud, 'passkey-delete', { identifier: 'cognito-user-1' });
    expect((await client.manageDelete(secondDelete, list.body.passkeys[0]!.id)).body).toEqual({
      credentialID: list.body.passkeys[0]!.id,
    });
    expect((await client.manageList(listToken)).body.passkeys).toEqual([]);
  });

  it('answers a connect token in the spec’s shape', async () => {
    const answer = await backendPost(cloud, '/v2/connectTokens', {
      type: 'passkey-list',
      data: { identifier: 'cognito-user-1' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      tokenType: 'passkey-list',
      data: { identifier: 'cognito-user-1' },
      connectTokenStatus: 'initial',
    });
    expect(typeof answer.body.secret).toBe('string');
    expect(answer.body.expires as number).toBeGreaterThan(Date.now() / 1000);
  });

  it('refuses malformed token requests with a validation error', async () => {
    for (const body of [
      { type: 'passkey-login', data: { identifier: 'x' } },
      { type: 'passkey-append', data: { identifier: 'x' } },
      { type: 'passkey-list', data: { identifier: 42 } },
      { type: 'passkey-list', data: 'x' },
      { type: 'passkey-list', data: { identifier: 'x' }, maxLifetimeInSeconds: -5 },
    ]) {
      const answer = await backendPost(cloud, '/v2/connectTokens', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toMatchObject({ error: { type: 'validation_error' } });
    }
  });
});

describe('Backend API access and faults', () => {
  it('answers 401 to a wrong API secret or no auth, and does nothing', async () => {
    const wrong = `Basic ${Buffer.from(`${cloud.projectId}:corbado1_wrong`).toString('base64')}`;
    const answer = await backendPost(
      cloud,
      '/v2/connectTokens',
      { type: 'passkey-append', data: { identifier: 'u', displayName: 'u@example.com' } },
      wrong,
    );
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ httpStatusCode: 401, error: { type: 'login_error' } });
    expect(
      (await backendPost(cloud, '/v2/passkey/verifySignedData', { signedPasskeyData: 'x', username: 'u' }, '')).status,
    ).toBe(401);
    const client = new ConnectClient(cloud, APP_ORIGIN);
    await client.loginInit();
    expect((await client.loginStart('u')).status).toBe(404);
  });

  it('answers 503 while the Backend API is down, and works again after', async () => {
    const { authenticator } = await userWithPasskey('cognito-user-1', 'ada@example.com');
    const data = await signedPasskeyDataFor('cognito-user-1', authenticator);
    cloud.setBackendDown(true);
    const down = await verify(data, 'cognito-user-1');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ error: { type: 'service_unavailable' } });
    cloud.setBackendDown(false);
    expect((await verify(data, 'cognito-user-1')).body).toEqual({ verificationResult: 'success' });
    expect(
      cloud
        .backendCalls()
        .slice(-2)
        .map((call) => call.status),
    ).toEqual([503, 200]);
  });
});

describe('Frontend API boundary', () => {
  it('answers a preflight from the app origin with credentials and the requested headers', async () => {
    const client = new ConnectClient(cloud, APP_ORIGIN);
    const preflight = await rawRequest('OPTIONS', '/v2/connect/login/init', {
      origin: APP_ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers':
        'content-type,x-corbado-projectid,x-corbado-sdk,x-corbado-client-timezone,x-corbado-process-id',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(preflight.headers['access-control-allow-headers']).toBe(
      'content-type,x-corbado-projectid,x-corbado-sdk,x-corbado-client-timezone,x-corbado-process-id',
    );
    const init = await client.loginInit();
    expect(init.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
  });

  it('refuses a foreign origin without CORS headers, on preflights and requests', async () => {
    const preflight = await rawRequest('OPTIONS', '/v2/connect/login/init', {
      origin: 'https://evil.example',
      'access-control-request-method': 'POST',
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const client = new ConnectClient(cloud, 'https://evil.example');
    const init = await client.loginInit();
    expect(init.status).toBe(403);
    expect(init.headers['access-control-allow-origin']).toBeUndefined();
    expect(cloud.frontendCalls()).toEqual([]);
  });

  it('refuses a wrong project id, a missing process, bad JSON and oversized bodies', async () => {
    const client = new ConnectClient(cloud, APP_ORIGIN);
    expect((await client.post('/v2/connect/login/init', {}, { 'x-corbado-projectid': 'pro-1' })).status).toBe(400);
    expect((await client.loginStart('someone')).body).toMatchObject({ error: { type: 'process_not_found' } });
    await client.loginInit();
    expect((await client.post('/v2/connect/login/start', { identifier: 7, source: 'text-field' })).status).toBe(400);
    expect((await client.post('/v2/connect/login/start', { identifier: 'someone', source: 'telepathy' })).status).toBe(
      400,
    );
    expect(
      (await client.post('/v2/connect/login/finish', { assertionResponse: '{not json', isConditionalUI: false }))
        .status,
    ).toBe(400);
    expect((await client.post('/v2/connect/login/start', { identifier: 'x'.repeat(70_000) })).status).toBe(413);
    expect((await client.post('/v2/connect/nope', {})).status).toBe(404);
  });

  it('records the component’s events', async () => {
    const client = new ConnectClient(cloud, APP_ORIGIN);
    await client.loginInit();
    expect((await client.post('/v2/connect/events', { eventType: 'login-error', message: 'x' })).status).toBe(204);
    expect((await client.post('/v2/connect/events', { eventType: 'made-up' })).status).toBe(400);
    expect(cloud.events()).toEqual([{ processId: client.processId, eventType: 'login-error', message: 'x' }]);
  });
});

describe('Corbado Connect Actions', () => {
  let app: Server;
  let actionsCloud: CorbadoCloud;
  let postAppendStatus = 204;
  const received: { path: string; auth: string | undefined; body: unknown }[] = [];

  beforeAll(async () => {
    app = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { identifier?: string };
        received.push({ path: req.url ?? '', auth: req.headers.authorization, body });
        if (req.url === '/api/corbado/connect/actions/pre-login') {
          if (body.identifier === 'ada@example.com')
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"username":"cognito-user-1"}');
          else if (body.identifier === 'broken@example.com') res.writeHead(500).end();
          else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"user_not_found"}');
          return;
        }
        res.writeHead(postAppendStatus).end();
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    actionsCloud = await startCorbadoCloud({
      appOrigin: APP_ORIGIN,
      actions: { baseUrl: `http://127.0.0.1:${(app.address() as AddressInfo).port}`, secret: 'action-secret' },
    });
  });
  afterAll(async () => {
    await actionsCloud.close();
    await new Promise((resolve) => app.close(resolve));
  });

  it('calls post-append after an append and pre-login to turn the typed email into the username', async () => {
    const authenticator = new SoftAuthenticator(APP_ORIGIN);
    const token = await connectToken(actionsCloud, 'passkey-append', {
      identifier: 'cognito-user-1',
      displayName: 'ada@example.com',
    });
    const appended = await new ConnectClient(actionsCloud, APP_ORIGIN).appendPasskey(authenticator, token);
    expect(appended.body).toMatchObject({
      passkeyOperation: { operationType: 'append', identifierValue: 'ada@example.com', identifierType: 'email' },
    });
    expect(received.at(-1)).toEqual({
      path: '/api/corbado/connect/actions/post-append',
      auth: 'Bearer action-secret',
      body: { username: 'cognito-user-1', credentialId: authenticator.id },
    });

    const login = await new ConnectClient(actionsCloud, APP_ORIGIN).loginWithPasskey(authenticator, 'ada@example.com');
    expect(login.status).toBe(200);
    expect(received.at(-1)).toEqual({
      path: '/api/corbado/connect/actions/pre-login',
      auth: 'Bearer action-secret',
      body: { identifier: 'ada@example.com' },
    });
    const data = (login.body as { session: string }).session;
    expect(decodeJwt(data).webauthnId).toBe('cognito-user-1');
    expect(
      (
        await backendPost(actionsCloud, '/v2/passkey/verifySignedData', {
          signedPasskeyData: data,
          username: 'cognito-user-1',
        })
      ).body,
    ).toEqual({
      verificationResult: 'success',
    });
  });

  it('answers 404 when pre-login does not know the email, and fails the start when the action fails', async () => {
    const client = new ConnectClient(actionsCloud, APP_ORIGIN);
    await client.loginInit();
    expect((await client.loginStart('eve@example.com')).status).toBe(404);
    const broken = await client.loginStart('broken@example.com');
    expect(broken.status).toBe(500);
    expect(broken.body).toMatchObject({ error: { type: 'action_failed' } });
  });

  it('undoes an append the app did not record', async () => {
    postAppendStatus = 500;
    try {
      const token = await connectToken(actionsCloud, 'passkey-append', {
        identifier: 'cognito-user-9',
        displayName: 'nine@example.com',
      });
      const appended = await new ConnectClient(actionsCloud, APP_ORIGIN).appendPasskey(
        new SoftAuthenticator(APP_ORIGIN),
        token,
      );
      expect(appended.status).toBe(500);
      expect(actionsCloud.passkeysOf('cognito-user-9')).toEqual([]);
    } finally {
      postAppendStatus = 204;
    }
  });
});

/** A request the generated client never makes (a preflight), straight to the Frontend API. */
function rawRequest(method: string, path: string, headers: Record<string, string>) {
  const url = new URL(path, cloud.frontendApi);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: url.port,
        servername: url.hostname,
        path: url.pathname,
        method,
        ca: cloud.certificate,
        headers: { host: url.host, ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
