import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CORBADO_EVENT_TYPES,
  MemoryWebhookEventStore,
  handleCorbadoEvent,
  isCorbadoEventType,
  useWebhookEventStore,
  type WebhookEventStore,
} from '@/lib/layers/corbado-complete/webhook-events';
import { AppError } from '@/lib/errors';

/** The memory store, noting the keys it was asked to claim. */
class RecordingStore extends MemoryWebhookEventStore implements WebhookEventStore {
  readonly claims: Array<{ key: string; ttlSeconds: number }> = [];
  override async claim(key: string, ttlSeconds: number) {
    this.claims.push({ key, ttlSeconds });
    return super.claim(key, ttlSeconds);
  }
}

let store: RecordingStore;
beforeEach(() => {
  store = new RecordingStore();
  useWebhookEventStore(store);
  // Audit and warning lines go to the log; not asserted here.
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const TIMESTAMP = '2026-12-02T10:00:00Z';
const userData = {
  user: { id: 'usr-123', status: 'active' },
  identifiers: [{ type: 'email', value: 'a@example.com', status: 'verified' }],
};
const passkeyData = { userID: 'usr-123', credential: { id: 'cre-456' } };
const DATA: Record<string, Record<string, unknown>> = {
  'user.created': userData,
  'user.updated': userData,
  'user.deleted': { userID: 'usr-123' },
  'passkey.created': passkeyData,
  'passkey.deleted': passkeyData,
  'passkey-login.completed': passkeyData,
};
const event = (type: string, data: unknown = DATA[type], extra: Record<string, unknown> = {}) => ({
  type,
  timestamp: TIMESTAMP,
  data,
  ...extra,
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('invalid_request');
  return (error as AppError).userMessage;
}

describe('handleCorbadoEvent', () => {
  it.each(CORBADO_EVENT_TYPES)('records a valid %s once, for a day', async (type) => {
    expect(await handleCorbadoEvent(event(type), type)).toEqual({ received: true, duplicate: false });
    expect(store.claims).toHaveLength(1);
    expect(store.claims[0]!.ttlSeconds).toBe(24 * 3600);
    expect(store.claims[0]!.key).toMatch(/^[\w-]{43}$/);
  });

  it('acknowledges a retried delivery as a duplicate', async () => {
    await handleCorbadoEvent(event('passkey.created'), null);
    expect(await handleCorbadoEvent(event('passkey.created'), null)).toEqual({ received: true, duplicate: true });
  });

  it('knows a retry however its keys are ordered, and whatever its metadata says', async () => {
    await handleCorbadoEvent(event('user.created', userData, { metadata: { attempt: 1 } }), null);
    const reordered = {
      metadata: { attempt: 2 },
      data: {
        identifiers: [{ status: 'verified', value: 'a@example.com', type: 'email' }],
        user: { status: 'active', id: 'usr-123' },
      },
      timestamp: TIMESTAMP,
      type: 'user.created',
    };
    expect(await handleCorbadoEvent(reordered, null)).toEqual({ received: true, duplicate: true });
    expect(store.claims[0]!.key).toBe(store.claims[1]!.key);
  });

  it.each([
    ['another type', event('passkey.deleted')],
    ['another timestamp', { ...event('passkey.created'), timestamp: '2026-12-02T10:00:01Z' }],
    ['another credential', event('passkey.created', { userID: 'usr-123', credential: { id: 'cre-457' } })],
    ['another user', event('passkey.created', { userID: 'usr-124', credential: { id: 'cre-456' } })],
    [
      'one more identifier',
      event('user.created', {
        ...userData,
        identifiers: [...userData.identifiers, { type: 'phone', value: '+1', status: 'pending' }],
      }),
    ],
  ])('records an event with %s as a new event', async (_what, other) => {
    await handleCorbadoEvent(event(other.type === 'user.created' ? 'user.created' : 'passkey.created'), null);
    expect(await handleCorbadoEvent(other, null)).toEqual({ received: true, duplicate: false });
  });

  it('keys an event by its content: a value cannot pass for a key of the same text', async () => {
    await handleCorbadoEvent(event('user.deleted', { userID: 'usr-1', note: 'a' }), null);
    expect(await handleCorbadoEvent(event('user.deleted', { userID: 'usr-1', note: ['a'] }), null)).toMatchObject({
      duplicate: false,
    });
    expect(await handleCorbadoEvent(event('user.deleted', { userID: 'usr-1', note: '["a"]' }), null)).toMatchObject({
      duplicate: false,
    });
  });

  it('acknowledges an unknown event type without recording it (Corbado retries anything but 2xx)', async () => {
    expect(await handleCorbadoEvent({ type: 'session.created', timestamp: 'not checked', data: 1 }, null)).toEqual({
      received: true,
      ignored: true,
    });
    expect(store.claims).toHaveLength(0);
  });

  it.each([
    ['no type', { timestamp: TIMESTAMP, data: passkeyData }],
    ['an empty type', event('')],
    ['a type of 65 characters', event('x'.repeat(65))],
    ['a type that is not a string', event('passkey.created', passkeyData, { type: ['passkey.created'] })],
  ])('refuses %s', async (_what, body) => {
    expect(await refusal(handleCorbadoEvent(body as Record<string, unknown>, null))).toBe(
      'type must be an event type.',
    );
  });

  it('refuses a body whose type differs from the X-Corbado-Webhook-Event header', async () => {
    expect(await refusal(handleCorbadoEvent(event('passkey.created'), 'passkey.deleted'))).toMatch(/does not match/);
    expect(store.claims).toHaveLength(0);
  });

  it.each([
    ['no timestamp', undefined],
    ['a number', 1764669600],
    ['a date that does not parse', 'yesterday'],
    ['an overlong string', `${TIMESTAMP}${' '.repeat(60)}`],
  ])('refuses a timestamp that is %s', async (_what, timestamp) => {
    expect(await refusal(handleCorbadoEvent({ ...event('passkey.created'), timestamp }, null))).toBe(
      'timestamp must be an ISO 8601 date.',
    );
  });

  it.each([
    ['metadata that is not an object', { metadata: 'x' }, 'metadata must be an object.'],
    ['metadata that is null', { metadata: null }, 'metadata must be an object.'],
    ['data that is an array', { data: [passkeyData] }, 'data must be an object.'],
    ['no data', { data: undefined }, 'data must be an object.'],
  ])('refuses %s', async (_what, override, message) => {
    expect(await refusal(handleCorbadoEvent({ ...event('passkey.created'), ...override }, null))).toBe(message);
  });

  it.each([
    ['user.created', { ...userData, user: { id: 'cre-123', status: 'active' } }, /data.user needs an id/],
    ['user.created', { ...userData, user: { id: 'usr-', status: 'active' } }, /data.user needs an id/],
    ['user.updated', { ...userData, user: { id: 'usr-123' } }, /data.user needs an id/],
    [
      'user.updated',
      { ...userData, user: { id: `usr-${'1'.repeat(125)}`, status: 'active' } },
      /data.user needs an id/,
    ],
    ['user.created', { user: userData.user }, /data.identifiers must list/],
    [
      'user.created',
      { ...userData, identifiers: [{ type: 'email', value: 'a@example.com' }] },
      /data.identifiers must list/,
    ],
    ['user.created', { ...userData, identifiers: [null] }, /data.identifiers must list/],
    ['user.deleted', { userID: 123 }, /data.userID must be/],
    ['passkey.created', { userID: 'usr-123', credential: { id: 'usr-456' } }, /data.credential needs an id/],
    ['passkey.deleted', { userID: 'usr-123' }, /data.credential needs an id/],
    ['passkey-login.completed', { userID: 'pro-123', credential: { id: 'cre-456' } }, /data.userID must be/],
  ])('refuses a %s event with malformed data (%j)', async (type, data, message) => {
    expect(await refusal(handleCorbadoEvent(event(type, data), type))).toMatch(message);
    expect(store.claims).toHaveLength(0);
  });

  it('accepts an id of 128 characters', async () => {
    const id = `usr-${'1'.repeat(124)}`;
    expect(await handleCorbadoEvent(event('user.deleted', { userID: id }), null)).toMatchObject({ duplicate: false });
  });
});

describe('isCorbadoEventType', () => {
  it.each([...CORBADO_EVENT_TYPES])('knows %s', (type) => expect(isCorbadoEventType(type)).toBe(true));
  it.each(['user', 'USER.CREATED', 'user.created ', 'toString', '__proto__', '', null, 1])(
    'does not know %j',
    (value) => {
      expect(isCorbadoEventType(value)).toBe(false);
    },
  );
});

describe('MemoryWebhookEventStore', () => {
  it('grants a key once within its time to live, and again after it', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const memory = new MemoryWebhookEventStore();
    expect(await memory.claim('k', 60)).toBe(true);
    expect(await memory.claim('k', 60)).toBe(false);
    vi.setSystemTime(1_000_000 + 59_999);
    expect(await memory.claim('k', 60)).toBe(false);
    vi.setSystemTime(1_000_000 + 60_000);
    expect(await memory.claim('k', 60)).toBe(true);
  });

  it('when full, forgets expired claims first, then the oldest, and never holds more than its bound', async () => {
    vi.useFakeTimers({ now: 0 });
    const memory = new MemoryWebhookEventStore(3);
    await memory.claim('short', 1);
    await memory.claim('old', 100);
    await memory.claim('newer', 100);
    vi.setSystemTime(2_000); // 'short' has expired
    expect(await memory.claim('fresh', 100)).toBe(true);
    // 'short' made the room: the others are still remembered.
    expect(await memory.claim('old', 100)).toBe(false);
    expect(await memory.claim('newer', 100)).toBe(false);
    // Full of live claims: the oldest ('old') goes.
    expect(await memory.claim('newest', 100)).toBe(true);
    expect(await memory.claim('newer', 100)).toBe(false);
    expect(await memory.claim('fresh', 100)).toBe(false);
    expect(await memory.claim('old', 100)).toBe(true);
  });
});

describe('handleCorbadoEvent, when several fields are wrong', () => {
  it('reports them in the order they were always checked: type, header, timestamp, metadata, data', async () => {
    const broken = { timestamp: 'yesterday', metadata: [], data: [] };
    expect(await refusal(handleCorbadoEvent({ ...broken, type: 7 }, 'passkey.created'))).toBe(
      'type must be an event type.',
    );
    expect(await refusal(handleCorbadoEvent({ ...broken, type: 'user.created' }, 'passkey.created'))).toMatch(
      /does not match/,
    );
    expect(await refusal(handleCorbadoEvent({ ...broken, type: 'user.created' }, null))).toBe(
      'timestamp must be an ISO 8601 date.',
    );
    expect(await refusal(handleCorbadoEvent({ ...broken, type: 'user.created', timestamp: TIMESTAMP }, null))).toBe(
      'metadata must be an object.',
    );
    const noUser = { user: null, identifiers: null };
    expect(await refusal(handleCorbadoEvent(event('user.created', noUser), null))).toMatch(/data.user needs an id/);
    const noCredential = { userID: 'cre-1', credential: null };
    expect(await refusal(handleCorbadoEvent(event('passkey.created', noCredential), null))).toMatch(
      /data.userID must be/,
    );
  });
});
