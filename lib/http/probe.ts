/** Probes of a dependency for the readiness answer (lib/readiness.ts): reachable, and how fast. */

export interface DependencyHealth {
  reachable: boolean;
  latencyMs: number;
}

export const PROBE_TIMEOUT_MS = 2_000;

/** Reachable when `check` succeeds within 2 s. */
export async function timed(check: () => Promise<boolean>): Promise<DependencyHealth> {
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
export function probeUrl(
  url: string,
  accept: (status: number) => boolean = (status) => status === 200,
): Promise<DependencyHealth> {
  return timed(async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), cache: 'no-store' });
    await response.body?.cancel();
    return accept(response.status);
  });
}
