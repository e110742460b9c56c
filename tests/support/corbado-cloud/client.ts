import { request } from 'node:https';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { SoftAuthenticator } from '../soft-authenticator';
import type { CorbadoCloud } from './index';

/**
 * What @corbado/web-core 2.18's ConnectService sends, from Node: the same paths, headers and
 * bodies (POST JSON, X-Corbado-ProjectID, X-Corbado-SDK, X-Corbado-Client-Timezone, the process id
 * after an init, the browser's Origin), for tests and the bench that cannot run the component.
 * WebAuthn answers come from a SoftAuthenticator, serialized as the component serializes them.
 */

export interface ConnectAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

export class ConnectClient {
  processId: string | undefined;

  constructor(
    private readonly cloud: CorbadoCloud,
    readonly origin: string,
  ) {}

  /** One Frontend API call, as the generated client makes it (or with `headers` overridden). */
  post<T = Record<string, unknown>>(
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<ConnectAnswer<T>> {
    const url = new URL(path, this.cloud.frontendApi);
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: url.port,
          servername: url.hostname,
          path: url.pathname,
          method: 'POST',
          ca: this.cloud.certificate,
          headers: {
            host: url.host,
            origin: this.origin,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            'x-corbado-projectid': this.cloud.projectId,
            'x-corbado-sdk': JSON.stringify({ name: 'web-core', sdkVersion: '2.18.0' }),
            'x-corbado-client-timezone': 'UTC',
            'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 (corbado-cloud ConnectClient)',
            ...(this.processId ? { 'x-corbado-process-id': this.processId } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : {}) as T, headers: res.headers });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  private initBody(conditionalMediation: boolean) {
    return {
      clientInformation: {
        bluetoothAvailable: false,
        canUsePasskeys: true,
        isUserVerifyingPlatformAuthenticatorAvailable: true,
        isConditionalMediationAvailable: conditionalMediation,
        webdriver: false,
        privateMode: false,
      },
      flags: {},
    };
  }

  async loginInit(options: { conditionalMediation?: boolean } = {}) {
    const answer = await this.post<{ token: string; conditionalUIChallenge?: string; flags: Record<string, string> }>(
      '/v2/connect/login/init',
      this.initBody(options.conditionalMediation ?? false),
    );
    if (answer.status === 200) this.processId = answer.body.token;
    return answer;
  }

  async appendInit() {
    const answer = await this.post<{ processID: string }>('/v2/connect/append/init', this.initBody(false));
    if (answer.status === 200) this.processId = answer.body.processID;
    return answer;
  }

  async manageInit() {
    const answer = await this.post<{ processID: string }>('/v2/connect/manage/init', this.initBody(false));
    if (answer.status === 200) this.processId = answer.body.processID;
    return answer;
  }

  loginStart(identifier: string, source: 'text-field' | 'one-tap' = 'text-field') {
    return this.post<{ assertionOptions: string; isCDA: boolean; error?: { type: string } }>(
      '/v2/connect/login/start',
      {
        identifier,
        source,
        loadedMs: Date.now(),
      },
    );
  }

  loginFinish(assertionResponse: unknown, isConditionalUI = false) {
    return this.post<{ session: string; signedPasskeyData: string; passkeyOperation: Record<string, string> }>(
      '/v2/connect/login/finish',
      {
        assertionResponse: JSON.stringify(assertionResponse),
        isConditionalUI,
      },
    );
  }

  appendStart(appendTokenValue: string) {
    return this.post<{ attestationOptions: string; variant: string }>('/v2/connect/append/start', {
      appendTokenValue,
      loadedMs: Date.now(),
    });
  }

  appendFinish(attestationResponse: unknown) {
    return this.post<{ passkeyOperation: Record<string, string> }>('/v2/connect/append/finish', {
      attestationResponse: JSON.stringify(attestationResponse),
    });
  }

  manageList(connectToken: string) {
    return this.post<{ passkeys: { id: string; credentialID: string }[] }>('/v2/connect/manage/list', { connectToken });
  }

  manageDelete(connectToken: string, credentialID: string) {
    return this.post<{ credentialID: string }>('/v2/connect/manage/delete', { connectToken, credentialID });
  }

  /** append/init → append/start → the authenticator creates the passkey → append/finish. */
  async appendPasskey(authenticator: SoftAuthenticator, appendToken: string) {
    await this.appendInit();
    const start = await this.appendStart(appendToken);
    if (start.status !== 200) return start;
    const { publicKey } = JSON.parse(start.body.attestationOptions) as {
      publicKey: PublicKeyCredentialCreationOptionsJSON;
    };
    return this.appendFinish(authenticator.register(publicKey));
  }

  /** login/init → login/start → the authenticator signs → login/finish; the answer carries signedPasskeyData. */
  async loginWithPasskey(authenticator: SoftAuthenticator, identifier: string) {
    await this.loginInit();
    const start = await this.loginStart(identifier);
    if (start.status !== 200 || !start.body.assertionOptions)
      return { status: start.status, body: start.body, headers: start.headers };
    const { publicKey } = JSON.parse(start.body.assertionOptions) as {
      publicKey: PublicKeyCredentialRequestOptionsJSON;
    };
    return this.loginFinish(authenticator.authenticate(publicKey));
  }
}

/** A Backend API call as the app makes it (Basic auth with the project's credentials unless given). */
export async function backendPost(
  cloud: CorbadoCloud,
  path: string,
  body: unknown,
  auth = `Basic ${Buffer.from(`${cloud.projectId}:${cloud.apiSecret}`).toString('base64')}`,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${cloud.backendApi}${path}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A connect token's secret from the Backend API. */
export async function connectToken(
  cloud: CorbadoCloud,
  type: 'passkey-append' | 'passkey-list' | 'passkey-delete',
  data: Record<string, string>,
): Promise<string> {
  const answer = await backendPost(cloud, '/v2/connectTokens', { type, data });
  if (answer.status !== 200 || typeof answer.body.secret !== 'string')
    throw new Error(`connectTokens answered ${answer.status}`);
  return answer.body.secret;
}
