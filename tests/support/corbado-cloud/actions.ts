/**
 * Corbado Connect Actions: Corbado runs the customer's scripts, which call the customer's backend.
 * The HTTP shape between the stand-in and the app is this project's own (docs/CORBADO.md):
 *
 *   POST {baseUrl}/api/corbado/connect/actions/pre-login   {"identifier": "<as typed>"}
 *     200 {"username": "<cognito username>"} | 404 {"error": "user_not_found"}
 *   POST {baseUrl}/api/corbado/connect/actions/post-append {"username": "...", "credentialId": "..."}
 *     204
 *
 * both with `Authorization: Bearer <secret>`.
 */

export interface ActionsConfig {
  baseUrl: string;
  secret: string;
}

export type PreLoginResult =
  { kind: 'found'; username: string } | { kind: 'not_found' } | { kind: 'failed'; reason: string };

export interface ActionCall {
  action: 'pre-login' | 'post-append';
  body: unknown;
  status: number | 'network_error';
}

const ACTION_TIMEOUT_MS = 5_000;

export class ActionsClient {
  readonly calls: ActionCall[] = [];

  constructor(private readonly config: ActionsConfig) {}

  private async post(action: ActionCall['action'], body: unknown): Promise<Response | undefined> {
    const url = `${this.config.baseUrl.replace(/\/$/, '')}/api/corbado/connect/actions/${action}`;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.config.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(ACTION_TIMEOUT_MS),
        redirect: 'manual',
      });
      this.calls.push({ action, body, status: response.status });
      return response;
    } catch {
      this.calls.push({ action, body, status: 'network_error' });
      return undefined;
    }
  }

  async preLogin(identifier: string): Promise<PreLoginResult> {
    const response = await this.post('pre-login', { identifier });
    if (!response) return { kind: 'failed', reason: 'unreachable' };
    if (response.status === 404) return { kind: 'not_found' };
    if (response.status !== 200) return { kind: 'failed', reason: `status ${response.status}` };
    const answer = (await response.json().catch(() => null)) as { username?: unknown } | null;
    const username = answer?.username;
    if (typeof username !== 'string' || username.length === 0)
      return { kind: 'failed', reason: 'no username in the answer' };
    return { kind: 'found', username };
  }

  /** True when the app recorded the new passkey (204, or any 2xx). */
  async postAppend(username: string, credentialId: string): Promise<boolean> {
    const response = await this.post('post-append', { username, credentialId });
    return response !== undefined && response.status >= 200 && response.status < 300;
  }
}
