import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withEnvironment } from '../../../../support/app-environment';

/**
 * Corbado's existing-user-base actions (authMethods, passwordVerify): the refusals of a
 * malformed body, each with its message, all decided before any Cognito call.
 */

const PROJECT = 'pro-1234567';

beforeEach(() => {
  // Audit lines go to the log; not asserted here.
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

async function webhook() {
  withEnvironment({ CORBADO_PROJECT_ID: PROJECT, CORBADO_API_SECRET: 'corbado1_0123456789abcdef' });
  const [{ handleCorbadoWebhook }, { AppError }] = await Promise.all([
    import('@/lib/layers/corbado-complete/webhook'),
    import('@/lib/errors'),
  ]);
  /** The answer to `body` (with X-Corbado-Action `header`), or the message of its refusal. */
  return async (body: Record<string, unknown>, header: string | null = null): Promise<unknown> => {
    try {
      return await handleCorbadoWebhook({ body, actionHeader: header, eventHeader: null, clientAddress: '192.0.2.1' });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'invalid_request') throw error;
      return error.userMessage;
    }
  };
}

const action = (name: string, data: unknown, extra: Record<string, unknown> = {}) => ({
  id: 'req-1',
  projectID: PROJECT,
  action: name,
  data,
  ...extra,
});

describe('handleCorbadoWebhook, actions', () => {
  it.each([
    [
      'an unknown action',
      action('deleteUser', { username: 'a' }),
      'Unknown action; expected authMethods or passwordVerify.',
    ],
    [
      'an action that is not a string',
      action('x', {}, { action: ['authMethods'] }),
      'Unknown action; expected authMethods or passwordVerify.',
    ],
    ['no id', action('authMethods', { username: 'a' }, { id: undefined }), 'id must be the webhook request id.'],
    ['an empty id', action('authMethods', { username: 'a' }, { id: '' }), 'id must be the webhook request id.'],
    [
      'an id of 129 characters',
      action('authMethods', { username: 'a' }, { id: 'r'.repeat(129) }),
      'id must be the webhook request id.',
    ],
    [
      'another project',
      action('authMethods', { username: 'a' }, { projectID: 'pro-1' }),
      "projectID does not match this server's Corbado project.",
    ],
    [
      'a projectID that is not a string',
      action('authMethods', { username: 'a' }, { projectID: 1 }),
      "projectID does not match this server's Corbado project.",
    ],
    ['data that is an array', action('authMethods', [{ username: 'a' }]), 'data must be an object.'],
    ['data that is null', action('authMethods', null), 'data must be an object.'],
    ['no username', action('authMethods', {}), 'data.username must be a non-empty string.'],
    [
      'a username that is not a string',
      action('authMethods', { username: ['a'] }),
      'data.username must be a non-empty string.',
    ],
    [
      'a username of 321 characters',
      action('authMethods', { username: 'u'.repeat(321) }),
      'data.username must be a non-empty string.',
    ],
    [
      'no password',
      action('passwordVerify', { username: 'a' }),
      'data.password must be a non-empty string of at most 256 characters.',
    ],
    [
      'an empty password',
      action('passwordVerify', { username: 'a', password: '' }),
      'data.password must be a non-empty string of at most 256 characters.',
    ],
    [
      'a password of 257 characters',
      action('passwordVerify', { username: 'a', password: 'p'.repeat(257) }),
      'data.password must be a non-empty string of at most 256 characters.',
    ],
  ])('refuses %s', async (_case, body, message) => {
    expect(await (await webhook())(body)).toBe(message);
  });

  it('reports the first check that fails, in the order Corbado’s fields were always checked', async () => {
    const send = await webhook();
    const broken = { id: '', projectID: 'pro-1', data: [] };
    expect(await send(action('nope', {}, broken), 'authMethods')).toBe(
      'Unknown action; expected authMethods or passwordVerify.',
    );
    expect(await send(action('authMethods', {}, broken), 'passwordVerify')).toBe(
      'X-Corbado-Action does not match the action.',
    );
    expect(await send(action('authMethods', {}, broken), 'authMethods')).toBe('id must be the webhook request id.');
    expect(await send(action('authMethods', {}, { ...broken, id: 'req-1' }))).toBe(
      "projectID does not match this server's Corbado project.",
    );
    expect(await send(action('passwordVerify', { password: '' }))).toBe('data.username must be a non-empty string.');
  });

  it('answers authMethods whatever its password, and ignores keys it does not know', async () => {
    // Not an email: no user of the pool, so no Cognito call is made.
    const body = action('authMethods', { username: 'not-an-email', password: 5, extra: 1 }, { more: [1] });
    expect(await (await webhook())(body, 'authMethods')).toEqual({
      responseID: expect.any(String),
      data: { status: 'not_exists' },
    });
  });
});
