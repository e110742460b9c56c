import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../support/app-routes';
import { withEnvironment } from '../../../support/app-environment';

/**
 * The contract every passkey layer (lib/layers/*) keeps, run against each of them: what it
 * serves, what it refuses (each other layer-only route answers its 404, with the code it always
 * had), its readiness probe, its CSP sources and the configuration it needs. A new layer is
 * tested by adding its configuration to LAYERS.
 */

/** A stand-in for the layers' own services: JWKS 200, Backend API 401 without credentials. */
let service: Server;
let serviceOrigin: string;
beforeAll(async () => {
  service = createServer((request, response) => {
    response.statusCode = request.url === '/.well-known/jwks' ? 200 : 401;
    response.end('{}');
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  serviceOrigin = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => service.close(() => resolve())));

const CORBADO = {
  CORBADO_PROJECT_ID: 'pro-1234567890',
  CORBADO_API_SECRET: 'corbado1_0123456789abcdefghijklmnopqrstuv',
};

interface LayerCase {
  layer: string;
  /** The configuration beyond the base one; the service's origin is filled in per test. */
  env: (origin: string) => Record<string, string>;
  serves: string[];
  /** Whether its probe asks a service of its own (else it is always reachable). */
  probesAService: boolean;
}

const LAYERS: LayerCase[] = [
  {
    layer: 'self-hosted',
    env: () => ({}),
    serves: ['passkey-sign-in', 'passkey-account', 'email-code'],
    probesAService: false,
  },
  {
    // Cognito checks every proof itself: its service is Cognito, which readiness probes for all layers.
    layer: 'cognito-native',
    env: () => ({ PASSKEY_LAYER: 'cognito-native' }),
    serves: ['native-sign-in', 'native-passkey-account'],
    probesAService: false,
  },
  {
    layer: 'corbado-connect',
    env: (origin) => ({
      ...CORBADO,
      CORBADO_BACKEND_API: origin,
      CORBADO_FRONTEND_API: 'https://pro-1234567890.frontendapi.cloud.corbado.io',
      CORBADO_ACTIONS_SECRET: 'actions-secret-0123456789abcdefghijkl',
    }),
    serves: ['email-code', 'connect-sign-in', 'connect-tokens', 'connect-actions'],
    probesAService: true,
  },
  {
    // Without the Actions secret, Corbado cannot call the app: its Actions answer actions_disabled.
    layer: 'corbado-connect',
    env: (origin) => ({
      ...CORBADO,
      CORBADO_BACKEND_API: origin,
      CORBADO_FRONTEND_API_URL_SUFFIX: 'frontendapi.corbado.io',
    }),
    serves: ['email-code', 'connect-sign-in', 'connect-tokens'],
    probesAService: true,
  },
  {
    layer: 'corbado-complete',
    env: (origin) => ({ ...CORBADO, CORBADO_MODE: 'complete', CORBADO_FRONTEND_API: origin }),
    serves: ['corbado-session'],
    probesAService: true,
  },
];

async function layerModules(env: Record<string, string>) {
  withEnvironment(env);
  const [layers, layer, errors, headers, config] = await Promise.all([
    import('@/lib/layers'),
    import('@/lib/layers/layer'),
    import('@/lib/errors'),
    import('@/lib/http/security-headers'),
    import('@/lib/config'),
  ]);
  return { ...layers, ...layer, ...errors, ...headers, ...config };
}

const envExample = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
const directive = (csp: string, name: string) => csp.split('; ').find((part) => part.startsWith(`${name} `)) ?? '';

describe.each(LAYERS)('the $layer layer (serving $serves)', ({ layer: name, env, serves, probesAService }) => {
  const modules = () => layerModules(env(serviceOrigin));

  it('is chosen from the configuration, once', async () => {
    const { passkeyLayer } = await modules();
    expect(passkeyLayer().name).toBe(name);
    expect(passkeyLayer()).toBe(passkeyLayer());
  });

  it('serves its routes, and answers every other layer-only route with its 404', async () => {
    const { passkeyLayer, requireRoute, serves: servesRoute, LAYER_ROUTES, AppError, ERRORS } = await modules();
    const layer = passkeyLayer();
    expect([...layer.routes].sort()).toEqual([...serves].sort());
    expect(layer.routes).toContain(layer.proof.route);
    for (const [route, { refusal }] of Object.entries(LAYER_ROUTES) as Array<
      [keyof typeof LAYER_ROUTES, { refusal: keyof typeof ERRORS }]
    >) {
      if (serves.includes(route)) {
        expect(servesRoute(route)).toBe(true);
        expect(requireRoute(route)).toBe(layer);
      } else {
        expect(servesRoute(route)).toBe(false);
        let refused: unknown;
        try {
          requireRoute(route);
        } catch (error) {
          refused = error;
        }
        expect(refused, route).toBeInstanceOf(AppError);
        expect((refused as InstanceType<typeof AppError>).code, route).toBe(refusal);
        expect(ERRORS[refusal].status, route).toBe(404);
      }
    }
  });

  it('probes its own service: reachable while it answers, not while it is down, and never throws', async () => {
    const { passkeyLayer } = await modules();
    const up = await passkeyLayer().probe();
    expect(up).toEqual({ reachable: true, latencyMs: expect.any(Number) });
    expect(up.latencyMs).toBeGreaterThanOrEqual(0);
    // The same configuration with the service gone: a closed port.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const goneOrigin = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { passkeyLayer: goneLayer } = await layerModules(env(goneOrigin));
    expect(await goneLayer().probe()).toEqual({ reachable: !probesAService, latencyMs: expect.any(Number) });
  });

  it('uses the store exactly when the configuration sets one up for it', async () => {
    const { passkeyLayer, getConfig } = await modules();
    expect(passkeyLayer().usesStore).toBe(getConfig().passkeyStore !== null);
  });

  it('puts its sources, and only those, in the Content-Security-Policy', async () => {
    const { passkeyLayer, contentSecurityPolicy } = await modules();
    const { csp: sources } = passkeyLayer();
    const csp = contentSecurityPolicy('n0nce');
    const extra = (name: string) =>
      directive(csp, name)
        .split(' ')
        .slice(1)
        .filter((source) => source !== "'self'");
    expect(extra('connect-src')).toEqual(sources ? [...sources.connect] : []);
    expect(extra('img-src')).toEqual(['data:', 'blob:', ...(sources ? sources.connect : [])]);
    expect(extra('font-src')).toEqual(sources ? [...sources.fonts] : []);
    if (sources) expect(extra('style-src')).toEqual([...sources.styles]);
    // Origins only (no paths, no wildcards), each named once.
    for (const origin of sources?.connect ?? []) expect(new URL(origin).origin).toBe(origin);
    expect(new Set(sources?.connect).size).toBe(sources?.connect.length ?? 0);
    expect(directive(csp, 'script-src')).toBe("script-src 'self' 'nonce-n0nce' 'strict-dynamic' 'unsafe-eval'");
  });

  it('names the configuration it needs, each variable documented and each required one needed', async () => {
    const { passkeyLayer } = await modules();
    const { required, optional } = passkeyLayer().config;
    for (const variable of [...required, ...optional]) expect(envExample).toMatch(new RegExp(`^#? ?${variable}=`, 'm'));
    for (const variable of required) {
      const without = { ...env(serviceOrigin) };
      delete without[variable];
      const { passkeyLayer: other, getConfig } = await layerModules(without);
      // Without it this layer is not chosen, or the configuration is refused with its name.
      let chosen: string | undefined;
      try {
        getConfig();
        chosen = other().name;
      } catch (error) {
        expect(String(error)).toContain('CORBADO_');
      }
      expect(chosen, variable).not.toBe(name);
    }
  });
});

describe('the layers together', () => {
  it('cover every layer-only route, and the selection names every layer', async () => {
    const { LAYER_ROUTES } = await layerModules({});
    const served = new Set(LAYERS.flatMap((layer) => layer.serves));
    expect([...served].sort()).toEqual(Object.keys(LAYER_ROUTES).sort());
    const folders = ['self-hosted', 'cognito-native', 'corbado-connect', 'corbado-complete'];
    expect([...new Set(LAYERS.map((layer) => layer.layer))].sort()).toEqual(folders.sort());
  });
});
