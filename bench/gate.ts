import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CookieJar, jsonPost } from '../tests/support/cookie-jar';
import { startOnFreePort, startTestCognito, untilServing, type TestCognito } from '../tests/support/stack';
import { addPasswordUser } from '../tests/support/users';
import { assertTwins, type Target } from './server';
import { summarize, since, type Distribution } from './stats';

/**
 * The gate alone, counted in instructions rather than seconds (`npm run bench -- --only=gate`).
 *
 * Section 2 (bench/server.ts) times the gate twins, `/login/bench-gate-twin` and
 * `/account/bench-gate-twin` (the same 404 page, without and with the session check in front),
 * by the server's CPU time per request in 2 s rounds. On this 2-core machine that figure swings
 * by more than the 3 % the budget allows, quiet or not: two quiet full runs read 99.5 % and then
 * 94.2 %. Here the same production server (scripts/next-server.mjs, as `npm start` runs it) runs
 * under valgrind's callgrind, which counts the instructions the process executes (all its
 * threads): whatever else runs on the machine, the same work is the same count.
 *
 * The server starts with counting off (valgrind only: several times faster than counting),
 * a user signs in, both twins are warmed up (V8 compiles and optimises their code), then
 * counting is switched on (`callgrind_control -i on`) and the twins are asked one request at a
 * time, alternating (public, gated, gated, public, ...), with the counters dumped after each
 * request (`callgrind_control -d`, which also zeroes them): one instruction count per request.
 * A request's own path counts the same within a few percent each time; many requests carry a
 * young-generation garbage collection, a background compile or a timer on top (up to 20 times
 * the request), on whichever request happens to run: from about half of a twin's requests to
 * three quarters of them in one run. The median and even the lower quartile move with that
 * share (88 % and 95 % in a run where the tenth percentile read 100 %); the fewest moves when one
 * request's trailing work slips into the next count (one request read 12 % under its twin's
 * floor). The tenth percentile of all requests of a twin sits in the floor of clean requests
 * whenever at least one in ten is clean and at most one in ten slipped, and the budget is judged
 * on public ÷ gated tenth percentiles: the gated twin's throughput on a core of its own as a
 * share of the public twin's. Each count is dumped 200 ms after the answer, so a request's
 * trailing work lands in its own count. The requests come in blocks, each after a fresh
 * sign-in; the blocks' own ratios are the spread.
 *
 * The client (this process) and the embedded Cognito and dynalite (also this process) are not
 * counted: only the server's work is. The fresh sign-in before each block keeps the session's
 * idle clock under a minute old, so no request re-seals the cookie (a load generator, unlike a
 * browser, would keep sending the old one); cookies set by any answer are counted and reported.
 */

const run = promisify(execFile);

/** The wait after each answer before its count is dumped (an idle server counts ~60,000 a second). */
const SETTLE_MS = 200;

/** The tenth percentile of `values` (nearest rank): what the budget judges, see above. */
export function tenthPercentile(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length / 10) - 1)]!;
}

/** The median of `values`; the mean of the middle two for an even count. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** summarize's figures, with the median of `median` above. */
const distribution = (values: number[]): Distribution & { floor: number } => ({
  ...summarize(values),
  median: median(values),
  floor: tenthPercentile(values),
});

const count = (value: number) => Math.round(value).toLocaleString('en');

/** Instructions per request: over every counted request, block by block, and each request's count. */
type Counts = Distribution & { floor: number };
type TwinCounts = Counts & { blocks: Counts[]; samples: number[][] };

export interface GateInstructions {
  requestsPerBlock: number;
  blocks: number;
  valgrind: string;
  /** Instructions per request, over every counted request, and block by block. */
  publicTwin: TwinCounts;
  gatedTwin: TwinCounts;
  /** Instructions per second of the server with no request (timers, V8's background tasks). */
  idlePerSecond: number;
  /** public ÷ gated, tenth percentiles of instructions per request: what the budget judges. */
  ratio: number;
  /** The same from the fewest: one request whose trailing work slipped into the next count moves it. */
  fewestRatio: number;
  /** median public ÷ median gated: garbage collections and compiles included, reported. */
  medianRatio: number;
  /** The judged ratio within each block, in order. */
  blockRatios: number[];
  spread: { lowest: number; highest: number };
  /** gated − public, tenth percentiles of instructions per request. */
  gateInstructionsPerRequest: number;
  /** Set-Cookie names per path over the counted requests: none expected. */
  cookiesSet: Record<string, number>;
  /** /login (signed out) and /account (signed in) in the same process, counted the same way (reported). */
  pages?: {
    publicPage: Counts;
    protectedPage: Counts;
    ratio: number;
    /** DynamoDB calls per /account request, counted at dynalite. */
    dynamoCallsPerProtectedRequest: Record<string, number>;
  };
  startSeconds: number;
  wallSeconds: number;
}

/** The valgrind on PATH, or null. */
export async function valgrindVersion(): Promise<string | null> {
  try {
    return (await run('valgrind', ['--version'])).stdout.trim();
  } catch {
    return null;
  }
}

interface CountedServer {
  baseUrl: string;
  server: ChildProcess;
  outFile: string;
  stop(): Promise<void>;
}

/** scripts/next-server.mjs under callgrind, instrumentation off, on a free port. */
async function startUnderCallgrind(stack: TestCognito, outDir: string): Promise<CountedServer> {
  return startOnFreePort(async (port) => {
    stack.env.APP_ORIGIN = `http://localhost:${port}`;
    const server = spawn(
      'valgrind',
      [
        '--tool=callgrind',
        '--instr-atstart=no',
        `--callgrind-out-file=${outDir}/callgrind.out.%p`,
        process.execPath,
        path.resolve('scripts/next-server.mjs'),
        '-p',
        String(port),
      ],
      {
        env: {
          ...process.env,
          ...stack.env,
          NEXT_TELEMETRY_DISABLED: '1',
          NODE_ENV: 'production',
          PORT: String(port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    server.stdout?.on('data', (chunk) => (output += chunk));
    server.stderr?.on('data', (chunk) => (output += chunk));
    const stop = async () => {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGTERM');
        await new Promise((r) => server.once('exit', r));
      }
    };
    const baseUrl = `http://localhost:${port}`;
    // Valgrind makes the start 10-30 times slower; at a load of 10 on 2 cores, minutes.
    await untilServing(server, () => output, `${baseUrl}/api/health/live`, 'next start under callgrind', stop, 900_000);
    return { baseUrl, server, outFile: path.join(outDir, `callgrind.out.${server.pid}`), stop };
  });
}

/** Sends a command to the callgrind in `pid` (`callgrind_control`); it waits for the answer. */
async function control(pid: number, ...args: string[]): Promise<void> {
  const { stdout } = await run('callgrind_control', [...args, String(pid)], { timeout: 300_000 });
  if (!/OK/.test(stdout)) throw new Error(`callgrind_control ${args.join(' ')}: ${stdout}`);
}

/** The instructions a callgrind dump counted: its `totals:` line (`summary:` in older formats). */
export function callgrindTotal(dump: string): number {
  const totals = /^(?:totals|summary): (\d+)/m.exec(dump);
  if (!totals) throw new Error('no totals line in the callgrind dump');
  return Number(totals[1]);
}

/** The instruction total of callgrind dump number `n` (`<outFile>.<n>`), read once and removed. */
function dumpTotal(outFile: string, n: number): number {
  const file = `${outFile}.${n}`;
  if (!existsSync(file)) throw new Error(`callgrind wrote no dump ${file}`);
  const total = callgrindTotal(readFileSync(file, 'utf8'));
  rmSync(file);
  return total;
}

export async function measureGateInstructions(options: {
  /** Counted requests of each twin per block. */
  requests: number;
  /** Blocks, each after a fresh sign-in. */
  blocks: number;
  /** Requests of each twin before counting starts (uncounted, instrumentation off). */
  warmup: number;
  /** Also `requests` of /login (signed out) and /account (signed in), alternating. */
  pages: boolean;
  log: (line: string) => void;
}): Promise<GateInstructions> {
  const valgrind = await valgrindVersion();
  if (!valgrind) throw new Error('valgrind is not installed (apt-get install valgrind): the gate section needs it');
  const started = performance.now();
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'bench-callgrind-'));
  const stack = await startTestCognito();
  let app: CountedServer | undefined;
  try {
    app = await startUnderCallgrind(stack, outDir);
    const startSeconds = since(started) / 1000;
    options.log(`server under callgrind ready in ${startSeconds.toFixed(0)} s`);
    const { baseUrl, server, outFile } = app;
    const pid = server.pid!;
    const email = 'gate@bench.example';
    const password = 'Bench-passw0rd';
    await addPasswordUser(stack, email, password);

    const publicTwin: Target = { path: '/login/bench-gate-twin', status: 404 };
    const gatedTwin: Target = { path: '/account/bench-gate-twin', status: 404 };
    const publicPage: Target = { path: '/login' };
    const protectedPage: Target = { path: '/account' };
    const signedIn = [publicTwin, gatedTwin, protectedPage];
    const get = async (target: Target) => {
      const response = await fetch(`${baseUrl}${target.path}`, {
        headers: target.cookie ? { cookie: target.cookie } : {},
        redirect: 'manual',
      });
      const body = await response.text();
      if (response.status !== (target.status ?? 200))
        throw new Error(`GET ${target.path} answered ${response.status}, not ${target.status ?? 200}`);
      return { response, body };
    };
    /** A fresh session for every signed-in target, each then asked once so the server has seen it. */
    let signedInAt = 0;
    const signIn = async () => {
      signedInAt = performance.now();
      const jar = new CookieJar();
      const response = await jar.fetch(`${baseUrl}/api/auth/password`, jsonPost({ email, password }));
      if (response.status !== 200) throw new Error(`sign-in for the gate section failed: ${response.status}`);
      for (const target of signedIn) target.cookie = jar.header();
      for (const target of [publicTwin, gatedTwin]) await get(target);
    };
    await signIn();
    await assertTwins(get, publicTwin, gatedTwin);

    options.log(`warming up, ${options.warmup} requests of each twin (not counted)...`);
    for (let i = 0; i < options.warmup; i++) {
      if (i % 50 === 0) await signIn();
      for (const target of [publicTwin, gatedTwin, ...(options.pages && i < 50 ? [publicPage, protectedPage] : [])])
        await get(target);
    }

    await control(pid, '-i', 'on');
    // Valgrind translates the code it now counts: a few requests of each, with counting on, uncounted.
    for (let i = 0; i < 3; i++) for (const target of [publicTwin, gatedTwin]) await get(target);
    let dumps = 0;
    /** Dumps the counters (which zeroes them) and returns what they held. */
    const dump = async () => {
      await control(pid, '-d');
      return dumpTotal(outFile, ++dumps);
    };
    const cookiesSet = new Map<string, number>();
    const counted = async (target: Target): Promise<number> => {
      const { response } = await get(target);
      for (const line of response.headers.getSetCookie()) {
        const name = `${target.path}: ${line.slice(0, line.indexOf('='))}`;
        cookiesSet.set(name, (cookiesSet.get(name) ?? 0) + 1);
      }
      // The server finishes a request after its last byte (stream clean-up, the log line): let
      // that land in this request's count, not the next one's.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      return dump();
    };

    // What the server does with no request at all, for scale: timers, V8's background tasks.
    await dump();
    const idleStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idlePerSecond = (await dump()) / (since(idleStarted) / 1000);
    options.log(`idle: ${count(idlePerSecond)} instructions per second`);

    const publicCounts: number[][] = [];
    const gatedCounts: number[][] = [];
    for (let block = 0; block < options.blocks; block++) {
      await signIn();
      await dump();
      const counts = { public: [] as number[], gated: [] as number[] };
      const blockStarted = performance.now();
      for (let i = 0; i < options.requests; i++) {
        // Every dump takes a second or more under load: a fresh session before the idle clock nears a minute.
        if (since(signedInAt) > 30_000) {
          await signIn();
          await dump();
        }
        const publicFirst = (block * options.requests + i) % 2 === 0;
        for (const twin of publicFirst ? (['public', 'gated'] as const) : (['gated', 'public'] as const))
          counts[twin].push(await counted(twin === 'public' ? publicTwin : gatedTwin));
      }
      publicCounts.push(counts.public);
      gatedCounts.push(counts.gated);
      const blockRatio = tenthPercentile(counts.public) / tenthPercentile(counts.gated);
      options.log(
        `block ${block + 1}/${options.blocks} (${(since(blockStarted) / 1000).toFixed(0)} s): tenth percentile of instructions per request ${count(tenthPercentile(counts.public))} public, ${count(tenthPercentile(counts.gated))} gated: ${(blockRatio * 100).toFixed(2)}%; medians ${count(median(counts.public))}, ${count(median(counts.gated))}`,
      );
    }

    let pages: GateInstructions['pages'];
    if (options.pages) {
      await signIn();
      for (let i = 0; i < 3; i++) for (const target of [publicPage, protectedPage]) await get(target);
      const callsBefore = new Map(stack.dynamo.calls);
      let accountRequests = options.requests;
      await dump();
      const login: number[] = [];
      const account: number[] = [];
      for (let i = 0; i < options.requests; i++) {
        if (since(signedInAt) > 30_000) {
          await signIn();
          await get(protectedPage);
          accountRequests++;
          await dump();
        }
        login.push(await counted(publicPage));
        account.push(await counted(protectedPage));
      }
      const perRequest: Record<string, number> = {};
      for (const [operation, n] of stack.dynamo.calls) {
        const added = n - (callsBefore.get(operation) ?? 0);
        if (added) perRequest[operation] = added / accountRequests;
      }
      pages = {
        publicPage: distribution(login),
        protectedPage: distribution(account),
        ratio: tenthPercentile(login) / tenthPercentile(account),
        dynamoCallsPerProtectedRequest: perRequest,
      };
      options.log(
        `/login ${count(tenthPercentile(login))}, /account ${count(tenthPercentile(account))} instructions per request (tenth percentiles; medians ${count(median(login))}, ${count(median(account))})`,
      );
    }

    const allPublic = publicCounts.flat();
    const allGated = gatedCounts.flat();
    const blockRatios = publicCounts.map((p, i) => tenthPercentile(p) / tenthPercentile(gatedCounts[i]!));
    return {
      requestsPerBlock: options.requests,
      blocks: options.blocks,
      valgrind,
      publicTwin: { ...distribution(allPublic), blocks: publicCounts.map(distribution), samples: publicCounts },
      gatedTwin: { ...distribution(allGated), blocks: gatedCounts.map(distribution), samples: gatedCounts },
      idlePerSecond,
      ratio: tenthPercentile(allPublic) / tenthPercentile(allGated),
      fewestRatio: Math.min(...allPublic) / Math.min(...allGated),
      medianRatio: median(allPublic) / median(allGated),
      blockRatios,
      spread: { lowest: Math.min(...blockRatios), highest: Math.max(...blockRatios) },
      gateInstructionsPerRequest: tenthPercentile(allGated) - tenthPercentile(allPublic),
      cookiesSet: Object.fromEntries(cookiesSet),
      pages,
      startSeconds,
      wallSeconds: since(started) / 1000,
    };
  } finally {
    await app?.stop();
    await stack.stop();
    rmSync(outDir, { recursive: true, force: true });
  }
}
