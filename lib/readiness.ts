import 'server-only';
import { createClient } from '@redis/client';
import { getConfig } from './config';
import { PROBE_TIMEOUT_MS, probeUrl, timed, type DependencyHealth } from './http/probe';
import { passkeyLayer, type PasskeyLayer } from './layers';
import { passkeyStore } from './store';

export type { DependencyHealth } from './http/probe';

/** The dependencies a readiness answer names, as its fields are named. */
export type DependencyName = 'cognito' | 'passkeys' | 'store' | 'redis';

export interface Health {
  /** ok: every dependency answers; degraded: one does not (`degraded` says which). */
  status: 'ok' | 'degraded';
  /**
   * Whether this instance can serve sign-ins: false only without what it cannot serve without,
   * Cognito and the store. Without Redis it counts limits per instance; without Corbado the
   * passkey way in is down and passwords and email codes still work: both degrade, not stop.
   */
  ready: boolean;
  /** The dependencies that do not answer. */
  degraded: DependencyName[];
  mode: 'embedded' | 'aws';
  passkeyLayer: PasskeyLayer['reportedAs'];
  cognito: DependencyHealth;
  passkeys: DependencyHealth;
  /** The layer's store (passkeys, email codes), written and read back; null for a layer that keeps none. */
  store: (DependencyHealth & { backend: 'dynamodb' }) | null;
  /** The shared rate-limit store; null when REDIS_URL is not set. */
  redis: DependencyHealth | null;
}

/** A connection of its own and a PING: the rate limiter's client may still be falling back. */
function probeRedis(url: string): Promise<DependencyHealth> {
  return timed(async () => {
    const client = createClient({ url, socket: { connectTimeout: PROBE_TIMEOUT_MS, reconnectStrategy: false } });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      if (client.isOpen) client.destroy();
    }
  });
}

/** Without these the instance cannot serve at all; the others only degrade it. */
const REQUIRED: readonly DependencyName[] = ['cognito', 'store'];

/**
 * Readiness: whether Cognito, the passkey layer, its store (a real write and read: a read-only
 * folder is not ready) and Redis (when configured) answer, and whether the instance can serve
 * (ready) with those that do. Liveness needs none of this.
 */
export async function checkHealth(): Promise<Health> {
  const { cognito, embedded, redisUrl } = getConfig();
  const layer = passkeyLayer();
  const [cognitoHealth, passkeys, store, redis] = await Promise.all([
    probeUrl(`${cognito.issuer}/.well-known/jwks.json`),
    layer.probe(),
    layer.usesStore
      ? timed(async () => {
          await passkeyStore().probe();
          return true;
        }).then((health) => ({ ...health, backend: 'dynamodb' as const }))
      : null,
    redisUrl ? probeRedis(redisUrl) : null,
  ]);
  const dependencies = { cognito: cognitoHealth, passkeys, store, redis };
  const degraded = (Object.keys(dependencies) as DependencyName[]).filter(
    (name) => dependencies[name]?.reachable === false,
  );
  return {
    status: degraded.length === 0 ? 'ok' : 'degraded',
    ready: !degraded.some((name) => REQUIRED.includes(name)),
    degraded,
    mode: embedded ? 'embedded' : 'aws',
    passkeyLayer: layer.reportedAs,
    ...dependencies,
  };
}
