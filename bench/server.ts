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

interface Target {
  path: string;
  cookie?: string;
}

function fire(baseUrl: string, target: Target, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${baseUrl}${target.path}`,
    connections,
    duration: seconds,
    headers: target.cookie ? { cookie: target.cookie } : {},
  });
}

function combine(path: string, measured: Round[]): EndpointFigures {
  const rounds = measured.map((round) => round.result);
  const requests = rounds.reduce((sum, r) => sum + r.requests.total, 0);
  const cpu = measured.every((round) => round.cpuSeconds !== null)
    ? measured.reduce((sum, round) => sum + round.cpuSeconds!, 0)
    : null;
  const seconds = rounds.reduce((sum, r) => sum + r.duration, 0);
  const mean = (pick: (r: autocannon.Result) => number) => rounds.reduce((sum, r) => sum + pick(r), 0) / rounds.length;
  const bytes = rounds.reduce((sum, r) => sum + r.throughput.total, 0);
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
      protectedPage.cookie = jar.header();
      protectedApi.cookie = jar.header();
      signedInAt = Date.now();
    };
    await keepSessionFresh();
    for (const target of [protectedPage, publicPage, protectedApi]) {
      const response = await fetch(`${app.baseUrl}${target.path}`, {
        headers: target.cookie ? { cookie: target.cookie } : {},
        redirect: 'manual',
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`GET ${target.path} answered ${response.status}, not 200`);
    }

    const { connections, rounds, secondsPerRound, warmupSeconds, apiSeconds } = options;
    for (const target of [publicPage, protectedPage, protectedApi]) {
      await keepSessionFresh();
      await fire(app.baseUrl, target, connections, warmupSeconds);
    }
    const measure = async (target: Target, seconds: number): Promise<Round> => {
      const before = cpuSeconds(app.server.pid);
      const result = await fire(app.baseUrl, target, connections, seconds);
      const after = cpuSeconds(app.server.pid);
      return { result, cpuSeconds: before === null || after === null ? null : after - before };
    };
    const results = { protectedPage: [] as Round[], publicPage: [] as Round[], protectedApi: [] as Round[] };
    for (let round = 0; round < rounds; round++) {
      await keepSessionFresh();
      results.publicPage.push(await measure(publicPage, secondsPerRound));
      results.protectedPage.push(await measure(protectedPage, secondsPerRound));
    }
    await keepSessionFresh();
    results.protectedApi.push(await measure(protectedApi, apiSeconds));
    const figures = {
      protectedPage: combine(protectedPage.path, results.protectedPage),
      publicPage: combine(publicPage.path, results.publicPage),
      protectedApi: combine(protectedApi.path, results.protectedApi),
    };
    // Each pair ran within a few seconds, under the same load; the median pair speaks for all.
    const pairs = figures.publicPage.rounds.map((pub, i) => ({ pub, prot: figures.protectedPage.rounds[i]! }));
    const cpuPairs = pairs.filter(({ pub, prot }) => pub.cpuMsPerRequest && prot.cpuMsPerRequest);
    return {
      connections,
      rounds,
      secondsPerRound,
      ...figures,
      ratio: median(pairs.map(({ pub, prot }) => prot.requestsPerSecond / pub.requestsPerSecond)),
      cpuRatio:
        cpuPairs.length === pairs.length
          ? median(cpuPairs.map(({ pub, prot }) => pub.cpuMsPerRequest! / prot.cpuMsPerRequest!))
          : null,
    };
  } finally {
    await app.stop();
  }
}
