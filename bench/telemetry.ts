import { api, NodeSDK } from '@opentelemetry/sdk-node';
import autocannon from 'autocannon';
import { withSpan } from '../lib/telemetry/tracing';
import { CookieJar, jsonPost } from '../tests/support/cookie-jar';
import { startOtlpCollector, type CollectedSpan } from '../tests/support/otlp-collector';
import { startTestApp, type TestApp } from '../tests/support/stack';
import { addPasswordUser } from '../tests/support/users';
import { cpuSeconds, statusSummary } from './server';

/**
 * What OpenTelemetry costs per request: two production servers side by side, one with telemetry
 * off (the default) and one exporting every span and metric over OTLP/HTTP (protobuf, the SDK's
 * defaults) to a local collector that drops what it gets. Both answer the same work in
 * alternating rounds, and each round reads the server process's CPU time (Linux /proc), so the
 * ratio on ÷ off is the cost on a core of its own, whatever else runs on the machine:
 *
 * - the protected page (GET /account, signed in): Next's request spans, the app's store span,
 *   log lines with trace ids: the hot path every signed-in page takes;
 * - a password sign-in (POST /api/auth/password): the sign-in span and its steps, a Cognito span
 *   and duration, a sign-in count. The embedded Cognito runs in this process, not the server's,
 *   so only the app's own work is counted.
 *
 * On a shared machine those ratios carry the noise of the load (10-20 %), more than telemetry
 * costs. So the section also measures, in this process, the CPU one span costs (the app's
 * withSpan, the SDK's batch processor, OTLP protobuf export) against the no-op, and counts the
 * spans each kind of request exports: spans per request × cost per span is an estimate that
 * the load hardly moves.
 */

export interface TelemetryCost {
  connections: number;
  rounds: number;
  secondsPerRound: number;
  protectedPage: Comparison;
  signIn: Comparison & { signInsPerRound: number };
  /** Export requests the collector received from the server with telemetry on. */
  exportRequests: { traces: number; metrics: number };
  /** Spans exported per request (Next's and the app's), by the request's root span. */
  spansPerRequest: { protectedPage: number; signIn: number };
  /** CPU µs per span in this process: the API's no-op, and the SDK exporting over OTLP. */
  spanCostMicros: { off: number; on: number; iterations: number };
}

export interface Comparison {
  /** CPU ms per request over all rounds: the server's CPU time over the requests it served. */
  offCpuMs: number;
  onCpuMs: number;
  /** on ÷ off: 1.05 means 5 % more CPU per request with telemetry on. */
  ratio: number;
}

/** One round on one server: its CPU time (ms) and the requests it served. */
interface Round {
  cpuMs: number;
  requests: number;
}

interface Server {
  app: TestApp;
  cookie: string;
  signedInAt: number;
}

const EMAIL = 'telemetry@bench.example';
const PASSWORD = 'Bench-passw0rd';

async function signIn(server: Server): Promise<void> {
  const jar = new CookieJar();
  const response = await jar.fetch(
    `${server.app.baseUrl}/api/auth/password`,
    jsonPost({ email: EMAIL, password: PASSWORD }),
  );
  if (response.status !== 200) throw new Error(`sign-in on the telemetry bench failed: ${response.status}`);
  server.cookie = jar.header();
  server.signedInAt = Date.now();
}

/** As in server.ts: a session over a minute old is re-sealed on every request, so keep it young. */
async function keepSessionFresh(server: Server): Promise<void> {
  if (Date.now() - server.signedInAt > 30_000) await signIn(server);
}

/** The CPU time the server spends on `work`, which says how many requests it made. */
async function measure(server: Server, work: () => Promise<number>): Promise<Round> {
  const before = cpuSeconds(server.app.server.pid);
  const requests = await work();
  const after = cpuSeconds(server.app.server.pid);
  if (before === null || after === null) throw new Error('the telemetry bench needs /proc (Linux)');
  return { cpuMs: (after - before) * 1000, requests };
}

async function loadProtectedPage(server: Server, connections: number, seconds: number): Promise<number> {
  const result = await autocannon({
    url: `${server.app.baseUrl}/account`,
    connections,
    duration: seconds,
    headers: { cookie: server.cookie },
  });
  if (result.non2xx || result.errors) {
    const statuses = Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([status, { count = 0 }]) => [status, count]),
    );
    // What the server said about it: its warnings and errors (the app's log lines, Next's own).
    const said = server.app
      .output()
      .split('\n')
      .filter((line) => /"level":"(warn|error)"|Error/.test(line))
      .slice(-5);
    throw new Error(
      `GET /account: ${result.non2xx} non-2xx of ${result.requests.total} (${statusSummary(statuses)}), ${result.errors} errors (${result.timeouts} timeouts)${said.length ? `; the server logged:\n${said.join('\n')}` : ''}`,
    );
  }
  return result.requests.total;
}

async function signInTimes(server: Server, count: number): Promise<number> {
  for (let i = 0; i < count; i++) await signIn(server);
  return count;
}

/**
 * Totals, not medians of rounds: /proc counts CPU time in 10 ms ticks, coarse against a round
 * of 5 sign-ins, and the rounds alternate between the servers so both meet the same load.
 */
function compare(off: Round[], on: Round[]): Comparison {
  const perRequest = (rounds: Round[]) =>
    rounds.reduce((sum, r) => sum + r.cpuMs, 0) / rounds.reduce((sum, r) => sum + r.requests, 0);
  return { offCpuMs: perRequest(off), onCpuMs: perRequest(on), ratio: perRequest(on) / perRequest(off) };
}

export async function measureTelemetryCost(options: {
  connections: number;
  rounds: number;
  secondsPerRound: number;
  warmupSeconds: number;
  /** Password sign-ins per round and server; every one counts against the per-address limit of 50 per 15 minutes. */
  signInsPerRound: number;
  /** Spans made in this process for the cost per span. */
  spanIterations: number;
}): Promise<TelemetryCost> {
  const collector = await startOtlpCollector();
  const servers: Server[] = [];
  try {
    const off = await startTestApp({ NEXT_TELEMETRY_DISABLED: '1' });
    servers.push({ app: off, cookie: '', signedInAt: 0 });
    // JSON, so the collector can count the spans; the SDK's default is protobuf (cheaper to encode).
    const on = await startTestApp({
      NEXT_TELEMETRY_DISABLED: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'bench',
    });
    servers.push({ app: on, cookie: '', signedInAt: 0 });
    for (const server of servers) {
      await addPasswordUser(server.app, EMAIL, PASSWORD);
      await signIn(server);
      await loadProtectedPage(server, options.connections, options.warmupSeconds);
    }
    const page = { off: [] as Round[], on: [] as Round[] };
    const signIns = { off: [] as Round[], on: [] as Round[] };
    for (let round = 0; round < options.rounds; round++) {
      // Alternate which server goes first, so neither always meets the other's leftovers.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const index of order) {
        const server = servers[index]!;
        const figures = index === 0 ? page.off : page.on;
        await keepSessionFresh(server);
        figures.push(
          await measure(server, () => loadProtectedPage(server, options.connections, options.secondsPerRound)),
        );
      }
      for (const index of order) {
        const server = servers[index]!;
        (index === 0 ? signIns.off : signIns.on).push(
          await measure(server, () => signInTimes(server, options.signInsPerRound)),
        );
      }
    }
    await collector.waitFor(() => collector.requests.traces > 0);
    const spanCostMicros = await measureSpanCost(options.spanIterations);
    return {
      connections: options.connections,
      rounds: options.rounds,
      secondsPerRound: options.secondsPerRound,
      protectedPage: compare(page.off, page.on),
      signIn: { ...compare(signIns.off, signIns.on), signInsPerRound: options.signInsPerRound },
      exportRequests: { traces: collector.requests.traces, metrics: collector.requests.metrics },
      spansPerRequest: {
        protectedPage: spansPerRequest(collector.spans(), 'store.listPasskeys'),
        signIn: spansPerRequest(collector.spans(), 'sign_in'),
      },
      spanCostMicros,
    };
  } finally {
    for (const server of servers) await server.app.stop();
    await collector.close();
  }
}

/**
 * The spans one request exports: the trace of its route (the one holding the span `marker`),
 * plus the trace Next starts for the middleware alone, which every request also has.
 */
function spansPerRequest(spans: CollectedSpan[], marker: string): number {
  const traces = new Map<string, CollectedSpan[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  const mean = (list: CollectedSpan[][]) =>
    list.length ? list.reduce((sum, trace) => sum + trace.length, 0) / list.length : 0;
  const route = (trace: CollectedSpan[]) =>
    trace.some((span) => span.name === 'sign_in' || span.name === 'store.listPasskeys');
  const middlewareOnly = [...traces.values()].filter(
    (trace) => !route(trace) && trace.some((span) => span.name.startsWith('middleware ')),
  );
  return (
    mean([...traces.values()].filter((trace) => trace.some((span) => span.name === marker))) + mean(middlewareOnly)
  );
}

/**
 * CPU µs per span of the app's withSpan in this process: first with no SDK (the API's no-op),
 * then with the Node SDK exporting every span in batches over OTLP/HTTP (protobuf) to a collector
 * that drops them, flush included. The SDK is shut down and unregistered afterwards.
 */
async function measureSpanCost(iterations: number): Promise<{ off: number; on: number; iterations: number }> {
  const run = async () => {
    const before = process.cpuUsage();
    for (let i = 0; i < iterations; i++)
      await withSpan('bench.span', { 'bench.attribute': 'value' }, async () => undefined);
    return before;
  };
  const micros = (before: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(before);
    return (used.user + used.system) / iterations;
  };
  await run(); // warm-up
  const off = micros(await run());
  const sink = await startOtlpCollector({ keep: false });
  const sdk = new NodeSDK({ serviceName: 'bench', metricReaders: [], logRecordProcessors: [] });
  const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = sink.endpoint;
  try {
    sdk.start();
    await run();
    const before = await run();
    await (api.trace.getTracerProvider() as unknown as { getDelegate(): { forceFlush(): Promise<void> } })
      .getDelegate()
      .forceFlush();
    return { off, on: micros(before), iterations };
  } finally {
    await sdk.shutdown();
    for (const signal of [api.trace, api.context, api.propagation, api.metrics]) signal.disable();
    if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved;
    await sink.close();
  }
}
