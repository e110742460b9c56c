import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { CookieJar, jsonPost } from '../tests/support/cookie-jar';
import { startTestApp } from '../tests/support/stack';
import { addPasswordUser } from '../tests/support/users';
import { summarize } from './stats';

/**
 * Protected page versus public page on the production server (`next start`, embedded Cognito),
 * same load generator settings, measured in many short pairs of rounds (public, then protected at
 * once) so that both pages of a pair meet the same load on a shared machine; the ratios are the
 * medians over the pairs.
 *
 * The pair: GET /account signed in, and GET /login signed out. Both are dynamic (rendered per
 * request, never cached), server-rendered pages of the same layout and size class, and both pass
 * through middleware. The difference is what the budget is about: /account is checked by
 * middleware (unseal the cookie, verify the ID token) and again by the page, then lists the
 * user's passkeys from SQLite. /api/health would not do as the public side: it fetches the
 * JWKS from Cognito on every request, so it measures a network round trip, not a page.
 *
 * That pair also measures `/account`'s own rendering (the passkey list), so the gate is measured
 * alone by a second pair of twins, one response twice, with and without the gate: the app's 404
 * page at a path nobody serves under the public page, `/login/bench-gate-twin`, and under the
 * protected one, `/account/bench-gate-twin`, which middleware gates like every path under
 * `/account/` (it opens the cookie and checks the ID token, or redirects to /login) before Next
 * answers the same 404 page. Same depth, each under an existing page, so Next routes both alike
 * (a first try at `/bench-gate-twin`, one level up, left a gap of ~1 ms that middleware itself,
 * timed apart, does not have: table 1a). Both carry the same signed-in cookie and render the same page (every page renders per
 * request, app/layout.tsx); the only difference is the session check. No route was added for
 * it: both answers exist in production anyway. The pair's twins run in alternating order.
 *
 * Besides requests per second, each round reads the server process's CPU time (Linux /proc):
 * the server is one process and CPU-bound here, so on a core of its own its throughput is
 * 1 / (CPU time per request). That ratio is what the budget checks, because measured requests
 * per second on a shared machine also measure whatever else runs on it; both are reported.
 */

export interface EndpointFigures {
  path: string;
  requestsPerSecond: number;
  /** ms */
  latency: { p50: number; p97_5: number; p99: number; mean: number };
  requests: number;
  /** Answers with another status than the target expects (200, or 404 for the twins). */
  unexpected: number;
  /** Count of each status, as autocannon saw them. */
  statusCodes: Record<string, number>;
  non2xx: number;
  errors: number;
  bytesPerResponse: number;
  /** Server process CPU time (user + system) per request, ms; null where /proc is missing. */
  cpuMsPerRequest: number | null;
  /** Each round's requests per second and CPU ms per request, in order. */
  rounds: { requestsPerSecond: number; cpuMsPerRequest: number | null }[];
}

export interface ServerThroughput {
  connections: number;
  rounds: number;
  secondsPerRound: number;
  protectedPage: EndpointFigures;
  publicPage: EndpointFigures;
  protectedApi: EndpointFigures;
  /** The same 404 page, without and with the gate in front. */
  publicTwin: EndpointFigures;
  gatedTwin: EndpointFigures;
  /** gated ÷ public twin, measured requests per second and from CPU per request: medians over the pairs */
  gateRatio: number;
  gateCpuRatio: number | null;
  /** protected ÷ public, measured requests per second: the median over the pairs of rounds */
  ratio: number;
  /**
   * protected ÷ public throughput on a core of its own (public CPU per request ÷ protected's):
   * the median over the pairs of rounds
   */
  cpuRatio: number | null;
}

/** CPU seconds (user + system) a process has used so far, or null off Linux. */
export function cpuSeconds(pid: number | undefined): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

interface Round {
  result: autocannon.Result;
  cpuSeconds: number | null;
}

export interface Target {
  path: string;
  cookie?: string;
  /** The status every answer must have; 200 unless said. */
  status?: number;
}

/** "404 × 12, 307 × 3": what a round answered, for an error message. */
export function statusSummary(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([status, count]) => `${status} × ${count}`)
    .join(', ');
}

function fire(baseUrl: string, target: Target, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${baseUrl}${target.path}`,
    connections,
    duration: seconds,
    headers: target.cookie ? { cookie: target.cookie } : {},
  });
}

function combine(target: Target, measured: Round[]): EndpointFigures {
  const { path } = target;
  const rounds = measured.map((round) => round.result);
  const requests = rounds.reduce((sum, r) => sum + r.requests.total, 0);
  const cpu = measured.every((round) => round.cpuSeconds !== null)
    ? measured.reduce((sum, round) => sum + round.cpuSeconds!, 0)
    : null;
  const seconds = rounds.reduce((sum, r) => sum + r.duration, 0);
  const mean = (pick: (r: autocannon.Result) => number) => rounds.reduce((sum, r) => sum + pick(r), 0) / rounds.length;
  const bytes = rounds.reduce((sum, r) => sum + r.throughput.total, 0);
  const statusCodes: Record<string, number> = {};
  for (const r of rounds)
    for (const [status, { count = 0 }] of Object.entries(r.statusCodeStats ?? {}))
      statusCodes[status] = (statusCodes[status] ?? 0) + count;
  const expected = target.status ?? 200;
  return {
    path,
    requestsPerSecond: requests / seconds,
    latency: {
      p50: mean((r) => r.latency.p50),
      p97_5: mean((r) => r.latency.p97_5),
      p99: mean((r) => r.latency.p99),
      mean: mean((r) => r.latency.mean),
    },
    requests,
    unexpected: Object.entries(statusCodes).reduce(
      (sum, [status, count]) => sum + (Number(status) === expected ? 0 : count),
      0,
    ),
    statusCodes,
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    bytesPerResponse: requests ? bytes / requests : 0,
    cpuMsPerRequest: cpu === null || !requests ? null : (cpu * 1000) / requests,
    rounds: measured.map(({ result, cpuSeconds: seconds }) => ({
      requestsPerSecond: result.requests.total / result.duration,
      cpuMsPerRequest: seconds === null || !result.requests.total ? null : (seconds * 1000) / result.requests.total,
    })),
  };
}

const median = (values: number[]) => summarize(values).median;

/**
 * Each pair ran within a few seconds, under the same load; the median pair speaks for all.
 * Throughput ratios, the second of the pair ÷ the first: measured, and on a core of its own
 * (the first's CPU per request ÷ the second's).
 */
function ratios(first: EndpointFigures, second: EndpointFigures): { measured: number; cpu: number | null } {
  const pairs = first.rounds.map((a, i) => ({ a, b: second.rounds[i]! }));
  const cpuPairs = pairs.filter(({ a, b }) => a.cpuMsPerRequest && b.cpuMsPerRequest);
  return {
    measured: median(pairs.map(({ a, b }) => b.requestsPerSecond / a.requestsPerSecond)),
    cpu:
      cpuPairs.length === pairs.length
        ? median(cpuPairs.map(({ a, b }) => a.cpuMsPerRequest! / b.cpuMsPerRequest!))
        : null,
  };
}

export type Get = (target: Target) => Promise<{ response: Response; body: string }>;

/**
 * The twins must be what the gate-only ratio says they are: the gated one really behind the gate
 * (signed out, it redirects to /login), and signed in the same page as the public one.
 */
export async function assertTwins(get: Get, publicTwin: Target, gatedTwin: Target): Promise<void> {
  const signedOut = await get({ path: gatedTwin.path, status: 307 });
  const location = signedOut.response.headers.get('location') ?? '';
  if (!new URL(location, 'http://x').pathname.startsWith('/login'))
    throw new Error(`GET ${gatedTwin.path} signed out went to ${location}, not /login: it is not gated`);
  // The same page but for its per-request CSP nonce and the path Next's payload echoes
  // (`["","account","bench-gate-twin"]`, escaped inside a script): compare the text without them.
  const normalized = async (target: Target) => {
    const { response, body } = await get(target);
    const nonce = /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1];
    if (!nonce) throw new Error(`GET ${target.path} has no CSP nonce`);
    const segments = ['', ...target.path.split('/').slice(1)].map((segment) => `\\"${segment}\\"`).join(',');
    return body.replaceAll(nonce, '(nonce)').replaceAll(`[${segments}]`, '(path)');
  };
  if ((await normalized(publicTwin)) !== (await normalized(gatedTwin)))
    throw new Error(`GET ${publicTwin.path} and ${gatedTwin.path} answered different pages: not twins`);
}

export async function measureServerThroughput(options: {
  connections: number;
  /** Pairs of rounds: the public page, then at once the protected page. */
  rounds: number;
  secondsPerRound: number;
  warmupSeconds: number;
  /** The protected API, for scale, measured once after the pairs. */
  apiSeconds: number;
}): Promise<ServerThroughput> {
  const app = await startTestApp({ NEXT_TELEMETRY_DISABLED: '1' });
  try {
    const email = 'throughput@bench.example';
    const password = 'Bench-passw0rd';
    await addPasswordUser(app, email, password);
    const protectedPage: Target = { path: '/account' };
    const protectedApi: Target = { path: '/api/auth/me' };
    const publicPage: Target = { path: '/login' };
    const publicTwin: Target = { path: '/login/bench-gate-twin', status: 404 };
    const gatedTwin: Target = { path: '/account/bench-gate-twin', status: 404 };
    /**
     * The middleware re-seals the idle clock in the cookie when it is over a minute old, and a
     * load generator (unlike a browser) would keep sending the old cookie and pay for a re-seal
     * on every request: so a fresh sign-in whenever the session is half a minute old.
     */
    let signedInAt = 0;
    const keepSessionFresh = async () => {
      if (Date.now() - signedInAt < 30_000) return;
      const jar = new CookieJar();
      const response = await jar.fetch(`${app.baseUrl}/api/auth/password`, jsonPost({ email, password }));
      if (response.status !== 200) throw new Error(`sign-in for the throughput run failed: ${response.status}`);
      for (const target of [protectedPage, protectedApi, publicTwin, gatedTwin]) target.cookie = jar.header();
      signedInAt = Date.now();
    };
    await keepSessionFresh();
    const get = async (target: Target) => {
      const response = await fetch(`${app.baseUrl}${target.path}`, {
        headers: target.cookie ? { cookie: target.cookie } : {},
        redirect: 'manual',
      });
      const body = await response.text();
      if (response.status !== (target.status ?? 200))
        throw new Error(`GET ${target.path} answered ${response.status}, not ${target.status ?? 200}`);
      return { response, body };
    };
    for (const target of [protectedPage, publicPage, protectedApi]) await get(target);
    await assertTwins(get, publicTwin, gatedTwin);

    const { connections, rounds, secondsPerRound, warmupSeconds, apiSeconds } = options;
    for (const target of [publicPage, protectedPage, protectedApi, publicTwin, gatedTwin]) {
      await keepSessionFresh();
      await fire(app.baseUrl, target, connections, warmupSeconds);
    }
    const measure = async (target: Target, seconds: number): Promise<Round> => {
      const before = cpuSeconds(app.server.pid);
      const result = await fire(app.baseUrl, target, connections, seconds);
      const after = cpuSeconds(app.server.pid);
      return { result, cpuSeconds: before === null || after === null ? null : after - before };
    };
    const results = {
      protectedPage: [] as Round[],
      publicPage: [] as Round[],
      protectedApi: [] as Round[],
      publicTwin: [] as Round[],
      gatedTwin: [] as Round[],
    };
    for (let round = 0; round < rounds; round++) {
      await keepSessionFresh();
      results.publicPage.push(await measure(publicPage, secondsPerRound));
      results.protectedPage.push(await measure(protectedPage, secondsPerRound));
      const twins = round % 2 === 0 ? (['publicTwin', 'gatedTwin'] as const) : (['gatedTwin', 'publicTwin'] as const);
      for (const twin of twins)
        results[twin].push(await measure(twin === 'publicTwin' ? publicTwin : gatedTwin, secondsPerRound));
    }
    await keepSessionFresh();
    results.protectedApi.push(await measure(protectedApi, apiSeconds));
    const figures = {
      protectedPage: combine(protectedPage, results.protectedPage),
      publicPage: combine(publicPage, results.publicPage),
      protectedApi: combine(protectedApi, results.protectedApi),
      publicTwin: combine(publicTwin, results.publicTwin),
      gatedTwin: combine(gatedTwin, results.gatedTwin),
    };
    const page = ratios(figures.publicPage, figures.protectedPage);
    const gate = ratios(figures.publicTwin, figures.gatedTwin);
    return {
      connections,
      rounds,
      secondsPerRound,
      ...figures,
      ratio: page.measured,
      cpuRatio: page.cpu,
      gateRatio: gate.measured,
      gateCpuRatio: gate.cpu,
    };
  } finally {
    await app.stop();
  }
}
