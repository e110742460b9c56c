import 'server-only';
import { getConfig } from './config';

export interface DependencyHealth {
  reachable: boolean;
  latencyMs: number;
}

export interface Health {
  status: 'ok' | 'degraded';
  mode: 'embedded' | 'aws';
  passkeyLayer: 'corbado' | 'embedded';
  cognito: DependencyHealth;
  passkeys: DependencyHealth;
}

/**
 * Reachable when the URL answers within 2 s with a status `accept` takes (by default 200).
 * Public key documents need no credentials.
 */
async function probe(url: string, accept: (status: number) => boolean = (status) => status === 200): Promise<DependencyHealth> {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000), cache: 'no-store' });
    await response.body?.cancel();
    return { reachable: accept(response.status), latencyMs: Math.round(performance.now() - started) };
  } catch {
    return { reachable: false, latencyMs: Math.round(performance.now() - started) };
  }
}

export async function checkHealth(): Promise<Health> {
  const { cognito, corbado, embedded } = getConfig();
  const [cognitoHealth, passkeys] = await Promise.all([
    probe(`${cognito.issuer}/.well-known/jwks.json`),
    // The embedded passkey layer runs inside this process.
    !corbado
      ? Promise.resolve({ reachable: true, latencyMs: 0 })
      : corbado.mode === 'complete'
        ? probe(`${corbado.frontendApi}/.well-known/jwks`)
        : // Connect needs the Backend API; without credentials it answers 401, which proves it is up.
          probe(`${corbado.backendApi}/v2/connectTokens`, (status) => status < 500),
  ]);
  return {
    status: cognitoHealth.reachable && passkeys.reachable ? 'ok' : 'degraded',
    mode: embedded ? 'embedded' : 'aws',
    passkeyLayer: corbado ? 'corbado' : 'embedded',
    cognito: cognitoHealth,
    passkeys,
  };
}
