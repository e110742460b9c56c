import 'server-only';
import { createHash } from 'node:crypto';
import { audit, type AuditEvent } from '../audit';
import { AppError } from '../errors';
import { log } from '../log';

/**
 * Corbado's event notifications (user.*, passkey.*, passkey-login.completed). Cognito stays
 * the user store, so an event changes nothing there: each is validated, recorded once in the
 * audit log, and answered 2xx (an unknown type too, logged). Corbado retries a delivery that failed (up to two times) and its
 * events carry no id, so an event is recognised by a hash of its type, timestamp and data.
 */

export const CORBADO_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deleted',
  'passkey.created',
  'passkey.deleted',
  'passkey-login.completed',
] as const;
export type CorbadoEventType = (typeof CORBADO_EVENT_TYPES)[number];

/** Remembers which events were handled; in memory by default, shared when several instances run. */
export interface WebhookEventStore {
  /** True the first time `key` is claimed within `ttlSeconds`, false for every later claim. */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
}

export class MemoryWebhookEventStore implements WebhookEventStore {
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxEntries = 50_000) {}

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    const now = Date.now();
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    if (this.seen.size >= this.maxEntries) {
      for (const [k, expiry] of this.seen) if (expiry <= now) this.seen.delete(k);
      // Still full: forget the oldest claims (Map keeps insertion order).
      for (const k of this.seen.keys()) {
        if (this.seen.size < this.maxEntries) break;
        this.seen.delete(k);
      }
    }
    this.seen.set(key, now + ttlSeconds * 1000);
    return true;
  }
}

let store: WebhookEventStore = new MemoryWebhookEventStore();

export function useWebhookEventStore(next: WebhookEventStore): void {
  store = next;
}

/** Retries come within minutes; a day leaves a wide margin. */
const REPLAY_WINDOW_SECONDS = 24 * 3600;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown, prefix: string): value is string =>
  typeof value === 'string' && value.length <= 128 && value.startsWith(prefix) && value.length > prefix.length;

function bad(message: string): AppError {
  return new AppError('invalid_request', message);
}

interface CheckedEvent {
  corbadoUserId: string;
  credentialId?: string;
}

function checkUserData(data: Json): CheckedEvent {
  const { user, identifiers } = data;
  if (!isObject(user) || !isId(user.id, 'usr-') || typeof user.status !== 'string') {
    throw bad('data.user needs an id (usr-...) and a status.');
  }
  if (
    !Array.isArray(identifiers) ||
    identifiers.some(
      (i) => !isObject(i) || typeof i.type !== 'string' || typeof i.value !== 'string' || typeof i.status !== 'string',
    )
  ) {
    throw bad('data.identifiers must list objects with type, value and status.');
  }
  return { corbadoUserId: user.id };
}

function checkPasskeyData(data: Json): CheckedEvent {
  const { userID, credential } = data;
  if (!isId(userID, 'usr-')) throw bad('data.userID must be a Corbado user id (usr-...).');
  if (!isObject(credential) || !isId(credential.id, 'cre-')) throw bad('data.credential needs an id (cre-...).');
  return { corbadoUserId: userID, credentialId: credential.id };
}

function checkEventData(type: CorbadoEventType, data: Json): CheckedEvent {
  switch (type) {
    case 'user.created':
    case 'user.updated':
      return checkUserData(data);
    case 'user.deleted':
      if (!isId(data.userID, 'usr-')) throw bad('data.userID must be a Corbado user id (usr-...).');
      return { corbadoUserId: data.userID };
    case 'passkey.created':
    case 'passkey.deleted':
    case 'passkey-login.completed':
      return checkPasskeyData(data);
  }
}

/** JSON with sorted keys, so the same event hashes the same however it was serialized. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const AUDIT_EVENT: Record<CorbadoEventType, AuditEvent> = {
  'user.created': 'webhook_event',
  'user.updated': 'webhook_event',
  'user.deleted': 'webhook_event',
  'passkey.created': 'passkey_added',
  'passkey.deleted': 'passkey_removed',
  'passkey-login.completed': 'webhook_event',
};

export function isCorbadoEventType(value: unknown): value is CorbadoEventType {
  return typeof value === 'string' && (CORBADO_EVENT_TYPES as readonly string[]).includes(value);
}

export type EventAnswer = { received: true; duplicate: boolean } | { received: true; ignored: true };

/**
 * Validates one event notification and records it once; a replay is acknowledged and changes
 * nothing. An event type this app does not know (Corbado may add some) is acknowledged and
 * logged, not refused: Corbado retries every answer that is not 2xx.
 */
export async function handleCorbadoEvent(body: Json, headerType: string | null): Promise<EventAnswer> {
  const { type, timestamp, data, metadata } = body;
  if (typeof type !== 'string' || type.length === 0 || type.length > 64) throw bad('type must be an event type.');
  if (headerType !== null && headerType !== type) throw bad('X-Corbado-Webhook-Event does not match the event type.');
  if (!isCorbadoEventType(type)) {
    log.warn('corbado_event_unknown', { corbadoEvent: type });
    return { received: true, ignored: true };
  }
  if (typeof timestamp !== 'string' || timestamp.length > 64 || Number.isNaN(Date.parse(timestamp))) {
    throw bad('timestamp must be an ISO 8601 date.');
  }
  if (metadata !== undefined && !isObject(metadata)) throw bad('metadata must be an object.');
  if (!isObject(data)) throw bad('data must be an object.');
  const checked = checkEventData(type, data);

  const eventKey = createHash('sha256').update(canonical({ type, timestamp, data })).digest('base64url');
  if (!(await store.claim(eventKey, REPLAY_WINDOW_SECONDS))) {
    log.info('corbado_event_replayed', { corbadoEvent: type, eventKey });
    return { received: true, duplicate: true };
  }
  audit(AUDIT_EVENT[type], {
    source: 'corbado_webhook',
    corbadoEvent: type,
    eventKey,
    occurredAt: timestamp,
    ...checked,
  });
  return { received: true, duplicate: false };
}
