import { describe, expect, it } from 'vitest';
import { withEnvironment } from '../../../../support/app-environment';

/** The basic-auth check of Corbado's webhook calls (CORBADO_WEBHOOK_USERNAME / _PASSWORD). */

const USERNAME = 'corbado-webhook';
const PASSWORD = 'webhook-password-0123456789';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

async function authenticate(env: Record<string, string>) {
  withEnvironment(env);
  const [{ authenticateWebhook }, { AppError }] = await Promise.all([
    import('@/lib/layers/corbado-complete/webhook-auth'),
    import('@/lib/errors'),
  ]);
  /** The error code authenticateWebhook throws for `authorization`, or null when it lets it in. */
  return (authorization: string | null): string | null => {
    try {
      authenticateWebhook(authorization);
      return null;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return error.code;
    }
  };
}

const configured = () => authenticate({ CORBADO_WEBHOOK_USERNAME: USERNAME, CORBADO_WEBHOOK_PASSWORD: PASSWORD });

describe('authenticateWebhook', () => {
  it('answers 404 (webhook_disabled) when no credentials are configured, whatever is sent', async () => {
    const check = await authenticate({});
    expect(check(basic(`${USERNAME}:${PASSWORD}`))).toBe('webhook_disabled');
    expect(check(null)).toBe('webhook_disabled');
  });

  it.each([
    ['the right credentials', basic(`${USERNAME}:${PASSWORD}`)],
    ['a lower-case scheme', basic(`${USERNAME}:${PASSWORD}`).replace('Basic', 'basic')],
    ['several spaces after the scheme and a trailing one', basic(`${USERNAME}:${PASSWORD}`).replace(' ', '   ') + ' '],
  ])('lets in %s', async (_what, header) => {
    expect((await configured())(header)).toBeNull();
  });

  it('lets in a password that itself contains a colon (only the first colon splits)', async () => {
    const check = await authenticate({
      CORBADO_WEBHOOK_USERNAME: USERNAME,
      CORBADO_WEBHOOK_PASSWORD: 'pass:word:0123456789',
    });
    expect(check(basic(`${USERNAME}:pass:word:0123456789`))).toBeNull();
    expect(check(basic(`${USERNAME}:pass`))).toBe('webhook_unauthorized');
  });

  it.each([
    ['no header', null],
    ['an empty header', ''],
    ['a wrong password', basic(`${USERNAME}:${PASSWORD}x`)],
    ['the password cut short', basic(`${USERNAME}:${PASSWORD.slice(0, -1)}`)],
    ['a wrong username', basic(`Corbado-Webhook:${PASSWORD}`)],
    ['the two swapped', basic(`${PASSWORD}:${USERNAME}`)],
    ['no colon', basic(`${USERNAME}${PASSWORD}`)],
    ['the username alone', basic(`${USERNAME}:`)],
    ['the password alone', basic(`:${PASSWORD}`)],
    ['nothing encoded', 'Basic '],
    ['the credentials in clear', `Basic ${USERNAME}:${PASSWORD}`],
    ['a Bearer token', `Bearer ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`],
    ['no space after the scheme', basic(`${USERNAME}:${PASSWORD}`).replace(' ', '')],
    ['a tab after the scheme', basic(`${USERNAME}:${PASSWORD}`).replace(' ', '\t')],
    ['a second credential after a comma', `${basic(`${USERNAME}:${PASSWORD}`)}, ${basic('a:b')}`],
    ['base64url characters', basic(`${USERNAME}:${PASSWORD}`).replace(/\+/g, '-').replace(/\//g, '_') + '-_'],
    ['an encoding over 1024 characters', basic(`${USERNAME}:${PASSWORD}${'x'.repeat(800)}`)],
  ])('answers 401 (webhook_unauthorized) for %s', async (_what, header) => {
    expect((await configured())(header)).toBe('webhook_unauthorized');
  });

  it('does not trim or fold what was decoded: a space or different case is another secret', async () => {
    const check = await configured();
    expect(check(basic(`${USERNAME}:${PASSWORD} `))).toBe('webhook_unauthorized');
    expect(check(basic(` ${USERNAME}:${PASSWORD}`))).toBe('webhook_unauthorized');
    expect(check(basic(`${USERNAME}:${PASSWORD.toUpperCase()}`))).toBe('webhook_unauthorized');
  });
});
