import 'server-only';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { audit, type AuditEvent } from '../../telemetry/audit';
import { parseBody } from '../../http/body';
import { log } from '../../telemetry/log';

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

/**
 * The event bodies, checked in two steps as Corbado's events are dispatched: the type first (an
 * unknown one is acknowledged without looking further), then the rest for a known type. Each
 * schema lists its fields in the order they are reported (lib/http/body.ts).
 */
const EVENT_TYPE = 'type must be an event type.';

/** `type`, which must match X-Corbado-Webhook-Event when that header is sent. */
const eventType = (headerType: string | null) =>
  z.object({
    type: z
      .string({ error: EVENT_TYPE })
      .min(1, { error: EVENT_TYPE })
      .max(64, { error: EVENT_TYPE })
      .refine((type) => headerType === null || headerType === type, {
        error: 'X-Corbado-Webhook-Event does not match the event type.',
      }),
  });

/** A Corbado id: `prefix` and at least one more character, 128 at most. */
const corbadoId = (prefix: string, message: string) =>
  z
    .string({ error: message })
    .max(128, { error: message })
    .refine((id) => id.startsWith(prefix) && id.length > prefix.length, { error: message });

const DATA = 'data must be an object.';
const USER = 'data.user needs an id (usr-...) and a status.';
const IDENTIFIERS = 'data.identifiers must list objects with type, value and status.';
const USER_ID = 'data.userID must be a Corbado user id (usr-...).';
const CREDENTIAL = 'data.credential needs an id (cre-...).';

const UserData = z.object(
  {
    user: z.object({ id: corbadoId('usr-', USER), status: z.string({ error: USER }) }, { error: USER }),
    identifiers: z.array(
      z.object(
        {
          type: z.string({ error: IDENTIFIERS }),
          value: z.string({ error: IDENTIFIERS }),
          status: z.string({ error: IDENTIFIERS }),
        },
        { error: IDENTIFIERS },
      ),
      { error: IDENTIFIERS },
    ),
  },
  { error: DATA },
);
const UserDeletedData = z.object({ userID: corbadoId('usr-', USER_ID) }, { error: DATA });
const PasskeyData = z.object(
  {
    userID: corbadoId('usr-', USER_ID),
    credential: z.object({ id: corbadoId('cre-', CREDENTIAL) }, { error: CREDENTIAL }),
  },
  { error: DATA },
);

/** A known event's timestamp, metadata and data, with the data its type carries. */
const eventBody = <D extends z.ZodType>(data: D) =>
  z.object({
    timestamp: z
      .string({ error: 'timestamp must be an ISO 8601 date.' })
      .max(64, { error: 'timestamp must be an ISO 8601 date.' })
      .refine((timestamp) => !Number.isNaN(Date.parse(timestamp)), { error: 'timestamp must be an ISO 8601 date.' }),
    metadata: z.object({}, { error: 'metadata must be an object.' }).optional(),
    data,
  });

const UserEvent = eventBody(UserData);
const UserDeletedEvent = eventBody(UserDeletedData);
const PasskeyEvent = eventBody(PasskeyData);

interface CheckedEvent {
  corbadoUserId: string;
  credentialId?: string;
}

/** The known event's body checked against its type's schema: the ids the audit log records. */
function checkEvent(type: CorbadoEventType, body: Json): { timestamp: string; checked: CheckedEvent } {
  switch (type) {
    case 'user.created':
    case 'user.updated': {
      const { timestamp, data } = parseBody(UserEvent, body);
      return { timestamp, checked: { corbadoUserId: data.user.id } };
    }
    case 'user.deleted': {
      const { timestamp, data } = parseBody(UserDeletedEvent, body);
      return { timestamp, checked: { corbadoUserId: data.userID } };
    }
    case 'passkey.created':
    case 'passkey.deleted':
    case 'passkey-login.completed': {
      const { timestamp, data } = parseBody(PasskeyEvent, body);
      return { timestamp, checked: { corbadoUserId: data.userID, credentialId: data.credential.id } };
    }
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
  const { type } = parseBody(eventType(headerType), body);
  if (!isCorbadoEventType(type)) {
    log.warn('corbado_event_unknown', { corbadoEvent: type });
    return { received: true, ignored: true };
  }
  const { timestamp, checked } = checkEvent(type, body);

  // The data as Corbado sent it, with keys the schemas do not name (which parsing drops): a
  // delivery that differs in any of them is another event.
  const { data } = body;
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
