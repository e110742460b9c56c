import 'server-only';
import { createClient } from '@redis/client';
import { getConfig } from './config';
import { passkeyStore } from './store';

export interface DependencyHealth {
  reachable: boolean;
  latencyMs: number;
}

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
  passkeyLayer: 'corbado' | 'embedded';
  cognito: DependencyHealth;
  passkeys: DependencyHealth;
  /** The store of self-hosted passkeys and email codes, written and read back; null with Corbado Complete. */
  store: (DependencyHealth & { backend: 'dynamodb' }) | null;
  /** The shared rate-limit store; null when REDIS_URL is not set. */
  redis: DependencyHealth | null;
}

const PROBE_TIMEOUT_MS = 2_000;

/** Reachable when `check` succeeds within 2 s. */
async function timed(check: () => Promise<boolean>): Promise<DependencyHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS)));
  const reachable = await Promise.race([check().catch(() => false), timeout]);
  clearTimeout(timer);
  return { reachable, latencyMs: Math.round(performance.now() - started) };
}

/**
 * Reachable when the URL answers with a status `accept` takes (by default 200). Public key
 * documents need no credentials.
 */
function probeUrl(
  url: string,
  accept: (status: number) => boolean = (status) => status === 200,
): Promise<DependencyHealth> {
  return timed(async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), cache: 'no-store' });
    await response.body?.cancel();
    return accept(response.status);
  });
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
  const { cognito, corbado, embedded, redisUrl } = getConfig();
  // Corbado Complete keeps no state here; self-hosted passkeys and Connect's email codes do.
  const usesStore = corbado?.mode !== 'complete';
  const [cognitoHealth, passkeys, store, redis] = await Promise.all([
    probeUrl(`${cognito.issuer}/.well-known/jwks.json`),
    // The self-hosted passkey layer runs inside this process; its store is probed on its own.
    !corbado
      ? Promise.resolve({ reachable: true, latencyMs: 0 })
      : corbado.mode === 'complete'
        ? probeUrl(`${corbado.frontendApi}/.well-known/jwks`)
        : // Connect needs the Backend API; without credentials it answers 401, which proves it is up.
          probeUrl(`${corbado.backendApi}/v2/connectTokens`, (status) => status < 500),
    usesStore
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
    passkeyLayer: corbado ? 'corbado' : 'embedded',
    ...dependencies,
  };
}
