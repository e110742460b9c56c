/**
 * The app side of the bench, in its own process as the Next server is in production: the app's
 * own modules (lib/), configured by the environment the parent gives it, talking to the
 * embedded Cognito over HTTP. Run with `node --conditions=react-server --import tsx`.
 */
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  InitiateAuthCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createHmac, randomBytes } from 'node:crypto';
import type { CallCounts, FromWorker, ToWorker } from './ipc';
import { adminClient, setIdTokenLifetime } from '../tests/support/stack';
import { makePeers, type Contender } from './peers';
import { since, summarize, type Distribution } from './stats';

type Pipeline = typeof import('../lib/sign-in/pipeline');
type Session = typeof import('../lib/session/session');
type Cookies = typeof import('../lib/session/cookies');
type Tokens = typeof import('../lib/cognito/tokens');
type CookieToSet = import('../lib/session/cookies').CookieToSet;
type CookieReader = import('../lib/session/cookies').CookieReader;

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`app worker: ${name} is not set`);
  return value;
};
const poolId = env('COGNITO_USER_POOL_ID');
const clientId = env('COGNITO_CLIENT_ID');
const admin = adminClient(env('COGNITO_ENDPOINT'), {
  accessKeyId: env('COGNITO_ACCESS_KEY_ID'),
  secretAccessKey: env('COGNITO_SECRET_ACCESS_KEY'),
});
/** What tests/support/stack.ts needs to change the app client. */
const stack = { sdk: admin, cognito: { userPoolId: poolId, clientId } };
const runId = randomBytes(4).toString('hex');
const PASSWORD = 'Bench-passw0rd';

let pipeline: Pipeline;
let session: Session;
let cookies: Cookies;
let tokens: Tokens;

// ---- talking to the parent -------------------------------------------------------------------

let askId = 0;
const answers = new Map<number, (calls: CallCounts) => void>();
const send = (message: FromWorker) => process.send!(message);

/** The emulator's per-operation request counts, as the emulator itself counted them. */
function emulatorCalls(): Promise<CallCounts> {
  const id = ++askId;
  return new Promise((resolve) => {
    answers.set(id, resolve);
    send({ type: 'calls?', id });
  });
}

function difference(after: CallCounts, before: CallCounts): CallCounts {
  const made: CallCounts = {};
  for (const [operation, count] of Object.entries(after)) {
    const delta = count - (before[operation] ?? 0);
    if (delta > 0) made[operation] = delta;
  }
  return made;
}

// ---- helpers ---------------------------------------------------------------------------------

function readerOf(list: CookieToSet[]): CookieReader {
  const jar = new Map(list.map((cookie) => [cookie.name, cookie.value]));
  return { get: (name) => (jar.has(name) ? { value: jar.get(name)! } : undefined) };
}

async function addPasswordUser(email: string): Promise<void> {
  await admin.send(
    new AdminCreateUserCommand({
      UserPoolId: poolId,
      Username: email,
      MessageAction: 'SUPPRESS',
      TemporaryPassword: PASSWORD,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
      ],
    }),
  );
  await admin.send(
    new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: email, Password: PASSWORD, Permanent: true }),
  );
}

async function countUsers(filter: string): Promise<number> {
  const { Users } = await admin.send(new ListUsersCommand({ UserPoolId: poolId, Filter: filter }));
  return Users?.length ?? 0;
}

let addresses = 0;
/**
 * A password sign-in as the route runs it. Each gets its own client address: the pipeline
 * allows 50 tries per address per 15 minutes, and the bench is one client making hundreds.
 */
const passwordSignIn = (email: string) =>
  pipeline.signInWithPasswordCredentials(email, PASSWORD, `bench-client-${++addresses}`);

/** A passkey sign-in as the pipeline runs it; a brand-new passkey does not cover existing users. */
// A passkey identity may use the user the app provisioned for it, never a pre-existing password user.
const passkeySignIn = (email: string) =>
  pipeline.signInVerifiedIdentity({
    email,
    method: 'passkey',
    mayUseExistingUser: async (user) => user.createdByCorbado,
  });

// ---- tasks -----------------------------------------------------------------------------------

export interface SessionCheckResult {
  iterations: number;
  /** µs per resolveSession, as middleware runs it, on the cookie of a session already seen. */
  check: Distribution;
  checksPerSecond: number;
  /** µs of its two parts, measured apart: opening the sealed ID cookie, verifying the ID token. */
  unseal: Distribution;
  verify: Distribution;
  /** µs of the first check of each of many fresh sessions: cookie and ID token not seen before. */
  firstCheck: Distribution;
  /** µs to verify an ID token never seen before (the RSA signature check against the cached JWKS). */
  firstVerify: Distribution;
}

async function timeEach<T>(items: T[], run: (item: T) => Promise<unknown>): Promise<Distribution> {
  const times: number[] = [];
  for (const item of items) {
    const t = performance.now();
    await run(item);
    times.push((performance.now() - t) * 1000);
  }
  return summarize(times);
}

/** An ID token straight from Cognito, not through the app, so the app has never verified it. */
async function unseenIdToken(email: string): Promise<string> {
  const secretHash = createHmac('sha256', env('COGNITO_CLIENT_SECRET'))
    .update(email + clientId)
    .digest('base64');
  const { AuthenticationResult } = await admin.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD, SECRET_HASH: secretHash },
    }),
  );
  return AuthenticationResult!.IdToken!;
}

async function sessionCheck({
  iterations,
  freshSessions,
}: {
  iterations: number;
  freshSessions: number;
}): Promise<SessionCheckResult> {
  const email = `check-${runId}@bench.example`;
  await addPasswordUser(email);
  const idName = cookies.sessionCookieNames().id;
  const steadyCookies = (await passwordSignIn(email)).cookies;
  const steady = {
    reader: readerOf(steadyCookies),
    idToken: (await cookies.openCookie<{ idToken: string }>(readerOf(steadyCookies), idName))!.idToken!,
  };
  // Sessions whose cookie and ID token this process has never seen (as after a refresh elsewhere,
  // or in another server instance): the ID cookie sealed exactly as createSessionCookies seals it.
  const fresh: { reader: CookieReader; idToken: string }[] = [];
  const lifetime = 7 * 24 * 3600;
  for (let i = 0; i < 2 * freshSessions; i++) {
    const idToken = await unseenIdToken(email);
    const at = Math.floor(Date.now() / 1000);
    const idCookie = await cookies.sealCookie(
      idName,
      { v: 1, sid: `fresh-${i}`, idToken, method: 'password', createdAt: at, lastSeenAt: at },
      lifetime,
    );
    fresh.push({ reader: readerOf([idCookie]), idToken });
  }

  const warmup = Math.min(1000, iterations);
  for (let i = 0; i < warmup; i++) await session.resolveSession(steady.reader, { refresh: true });
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    const resolved = await session.resolveSession(steady.reader, { refresh: true });
    samples.push((performance.now() - t) * 1000);
    if (resolved.kind !== 'active' || resolved.cookies.length > 0)
      throw new Error(`session check gave ${resolved.kind}`);
  }
  const checksPerSecond = iterations / (since(started) / 1000);
  const repeat = Array.from({ length: Math.min(iterations, 5000) }, () => steady);
  return {
    iterations,
    check: summarize(samples),
    checksPerSecond,
    unseal: await timeEach(repeat, (s) => cookies.openCookie(s.reader, idName)),
    verify: await timeEach(repeat, (s) => tokens.checkIdToken(s.idToken)),
    firstVerify: await timeEach(fresh.slice(freshSessions), (s) => tokens.checkIdToken(s.idToken)),
    firstCheck: await timeEach(fresh.slice(0, freshSessions), (s) =>
      session.resolveSession(s.reader, { refresh: true }),
    ),
  };
}

export interface ContenderFigures {
  name: string;
  cookieBytes: number;
  /** µs per check, wall clock, of the cookie seen before (the same one every call). */
  seen: Distribution;
  /** µs per check of cookies (and tokens) new to the process. */
  fresh: Distribution;
  /** CPU µs per check (every thread of the process), over all rounds. */
  seenCpuMicros: number;
  freshCpuMicros: number;
}

export interface PeersResult {
  rounds: number;
  seenPerRound: number;
  freshPerRound: number;
  ours: ContenderFigures;
  peers: ContenderFigures[];
}

/**
 * Ours (resolveSession, as middleware runs it) and the peers of bench/peers.ts in this one
 * process, in alternating rounds (each round in another order, so none always runs first after
 * the same neighbour), on cookies of the same size holding the same kind of Cognito ID token.
 */
async function peers({
  rounds,
  seenPerRound,
  freshPerRound,
}: {
  rounds: number;
  seenPerRound: number;
  freshPerRound: number;
}): Promise<PeersResult> {
  const email = `peers-${runId}@bench.example`;
  await addPasswordUser(email);
  const idName = cookies.sessionCookieNames().id;
  const steadyCookies = (await passwordSignIn(email)).cookies;
  const steadyReader = readerOf(steadyCookies);
  const idCookie = steadyCookies.find((cookie) => cookie.name === idName)!.value;
  const idToken = (await cookies.openCookie<{ idToken: string }>(steadyReader, idName))!.idToken!;
  const freshIdTokens: string[] = [];
  for (let i = 0; i < rounds * freshPerRound; i++) freshIdTokens.push(await unseenIdToken(email));
  const { iss: issuer } = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString('utf8')) as {
    iss: string;
  };
  const jwks = await (await fetch(`${issuer}/.well-known/jwks.json`)).json();

  // Sealed last, so that no fresh session is a minute idle (and re-sealed) when its turn comes.
  const at = Math.floor(Date.now() / 1000);
  const freshReaders = await Promise.all(
    freshIdTokens.map(async (token, i) =>
      readerOf([
        await cookies.sealCookie(
          idName,
          { v: 1, sid: `peer-${i}`, idToken: token, method: 'password', createdAt: at, lastSeenAt: at },
          7 * 24 * 3600,
        ),
      ]),
    ),
  );
  const resolve = async (reader: CookieReader) => {
    const resolved = await session.resolveSession(reader, { refresh: true });
    if (resolved.kind !== 'active' || resolved.cookies.length > 0) throw new Error(`ours gave ${resolved.kind}`);
    return resolved;
  };
  const ours: Contender = {
    name: 'ours: resolveSession (open the sealed ID cookie, check the ID token)',
    cookieBytes: idCookie.length,
    seen: () => resolve(steadyReader),
    fresh: (i) => resolve(freshReaders[i]!),
  };
  const contenders = [
    ours,
    ...(await makePeers({ cookieBytes: idCookie.length, idToken, freshIdTokens, jwks, issuer, clientId })),
  ];

  for (const contender of contenders) for (let i = 0; i < Math.min(200, seenPerRound); i++) await contender.seen();
  const samples = contenders.map(() => ({ seen: [] as number[], fresh: [] as number[], seenCpu: 0, freshCpu: 0 }));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const index = (k + round) % contenders.length;
      const contender = contenders[index]!;
      const into = samples[index]!;
      let cpu = process.cpuUsage();
      for (let i = 0; i < seenPerRound; i++) {
        const t = performance.now();
        await contender.seen();
        into.seen.push((performance.now() - t) * 1000);
      }
      let used = process.cpuUsage(cpu);
      into.seenCpu += used.user + used.system;
      cpu = process.cpuUsage();
      for (let i = 0; i < freshPerRound; i++) {
        const t = performance.now();
        await contender.fresh(round * freshPerRound + i);
        into.fresh.push((performance.now() - t) * 1000);
      }
      used = process.cpuUsage(cpu);
      into.freshCpu += used.user + used.system;
    }
  }
  const figures = contenders.map((contender, index) => {
    const s = samples[index]!;
    return {
      name: contender.name,
      cookieBytes: contender.cookieBytes,
      seen: summarize(s.seen),
      fresh: summarize(s.fresh),
      seenCpuMicros: s.seenCpu / s.seen.length,
      freshCpuMicros: s.freshCpu / s.fresh.length,
    };
  });
  return { rounds, seenPerRound, freshPerRound, ours: figures[0]!, peers: figures.slice(1) };
}

export interface MiddlewareGateResult {
  iterations: number;
  /** µs per call of middleware.ts itself, the same signed-in request at a public and a gated path. */
  publicPath: Distribution;
  gatedPath: Distribution;
}

/**
 * The real middleware (middleware.ts) called in this process with a real NextRequest, at the two
 * paths of the gate-only twins (bench/server.ts), in alternating blocks: what the gate adds to
 * middleware, free of the server's rendering and of the load's swings between rounds.
 */
async function middlewareGate({ iterations }: { iterations: number }): Promise<MiddlewareGateResult> {
  const { NextRequest } = await import('next/server');
  const { middleware } = await import('../middleware');
  const email = `gate-${runId}@bench.example`;
  await addPasswordUser(email);
  const cookie = (await passwordSignIn(email)).cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const samples = { publicPath: [] as number[], gatedPath: [] as number[] };
  const paths = { publicPath: '/login/bench-gate-twin', gatedPath: '/account/bench-gate-twin' } as const;
  const block = async (which: keyof typeof paths, count: number, keep: boolean) => {
    for (let i = 0; i < count; i++) {
      const request = new NextRequest(`${process.env.APP_ORIGIN}${paths[which]}`, { headers: { cookie } });
      const t = performance.now();
      const response = await middleware(request);
      if (keep) samples[which].push((performance.now() - t) * 1000);
      // A pass-through answer (Next's x-middleware-next), not a redirect: the gate let it through.
      if (response.headers.get('x-middleware-next') !== '1') throw new Error(`middleware stopped ${paths[which]}`);
    }
  };
  await block('publicPath', 500, false);
  await block('gatedPath', 500, false);
  const blocks = 10;
  for (let b = 0; b < blocks; b++) {
    const order = b % 2 === 0 ? (['publicPath', 'gatedPath'] as const) : (['gatedPath', 'publicPath'] as const);
    for (const which of order) await block(which, Math.ceil(iterations / blocks), true);
  }
  return { iterations, publicPath: summarize(samples.publicPath), gatedPath: summarize(samples.gatedPath) };
}

export interface PathResult {
  iterations: number;
  /** Emulator requests per sign-in, over all iterations, by operation. */
  callsPerSignIn: CallCounts;
  totalCallsPerSignIn: number;
  /** ms, server side: from the pipeline call to the sealed cookies. */
  latency: Distribution;
  errors: number;
}

/** Runs `once` sequentially `iterations` times, timing each and counting the emulator's calls. */
async function measurePath(iterations: number, once: (i: number) => Promise<void>): Promise<PathResult> {
  const before = await emulatorCalls();
  const samples: number[] = [];
  let errors = 0;
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    try {
      await once(i);
      samples.push(since(t));
    } catch (error) {
      errors += 1;
      if (errors === 1) console.error(`bench: sign-in failed: ${(error as Error).message}`);
    }
  }
  const made = difference(await emulatorCalls(), before);
  const callsPerSignIn = Object.fromEntries(Object.entries(made).map(([op, n]) => [op, n / iterations]));
  const totalCallsPerSignIn = Object.values(callsPerSignIn).reduce((sum, n) => sum + n, 0);
  return { iterations, callsPerSignIn, totalCallsPerSignIn, latency: summarize(samples), errors };
}

export interface SignInPathsResult {
  newPasskeyUser: PathResult;
  returningPasskeyUser: PathResult;
  passwordUser: PathResult;
  refresh: PathResult;
}

async function signInPaths({ iterations, label }: { iterations: number; label: string }): Promise<SignInPathsResult> {
  const newEmail = (i: number) => `new-${label}-${runId}-${i}@bench.example`;
  // One warm-up sign-in of each kind, so connection set-up and first-use costs stay out.
  await passkeySignIn(`warm-${label}-${runId}@bench.example`);
  await passkeySignIn(`warm-${label}-${runId}@bench.example`);
  const passwordEmail = `password-${label}-${runId}@bench.example`;
  await addPasswordUser(passwordEmail);
  await passwordSignIn(passwordEmail);

  const newPasskeyUser = await measurePath(iterations, async (i) => {
    await passkeySignIn(newEmail(i));
  });
  // Returning: the users just provisioned (Corbado-created, confirmed) sign in again.
  const returningPasskeyUser = await measurePath(iterations, async (i) => {
    await passkeySignIn(newEmail(i));
  });
  const passwordUser = await measurePath(iterations, async () => {
    await passwordSignIn(passwordEmail);
  });

  // Refresh as middleware does it: the ID token in the cookie has expired, the refresh token renews it.
  // 5 s, not 1: on a loaded machine a sign-in can take over a second, and the app then rejects
  // the token it just got as expired (seen at load 18). Then wait until this token's own exp.
  await setIdTokenLifetime(stack, 5, 'seconds');
  let expired: CookieReader;
  try {
    expired = readerOf((await passwordSignIn(passwordEmail)).cookies);
  } finally {
    await setIdTokenLifetime(stack, 60, 'minutes');
  }
  const { idToken } = (await cookies.openCookie<{ idToken: string }>(expired, cookies.sessionCookieNames().id))!;
  const { exp } = JSON.parse(Buffer.from(idToken!.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number };
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 1100));
  const refresh = await measurePath(iterations, async () => {
    const resolved = await session.resolveSession(expired, { refresh: true });
    if (resolved.kind !== 'active' || resolved.cookies.length !== 2) throw new Error(`refresh gave ${resolved.kind}`);
  });
  return { newPasskeyUser, returningPasskeyUser, passwordUser, refresh };
}

export interface BurstResult {
  signIns: number;
  errors: number;
  /** What the failed sign-ins failed with (the app error and its cause), by count. */
  errorKinds: Record<string, number>;
  usersCreated: number;
  /** ms from the common start to each successful sign-in's end. */
  latency: Distribution;
  wallMs: number;
  /** Requests the emulator answered during the burst, and how many per second. */
  emulatorCalls: number;
  emulatorCallsPerSecond: number;
}

function errorKind(error: unknown): string {
  const { code, message, cause } = error as {
    code?: string;
    message?: string;
    cause?: { name?: string; message?: string };
  };
  const inner = cause ? ` <- ${cause.name ?? ''}: ${(cause.message ?? '').slice(0, 60)}` : '';
  return `${code ?? message?.slice(0, 60) ?? String(error)}${inner}`;
}

async function burst(signIns: number, emails: string[], filter: string): Promise<BurstResult> {
  const samples: number[] = [];
  const errorKinds: Record<string, number> = {};
  const before = await emulatorCalls();
  const started = performance.now();
  await Promise.all(
    emails.map(async (email) => {
      try {
        await passkeySignIn(email);
        samples.push(since(started));
      } catch (error) {
        const kind = errorKind(error);
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
      }
    }),
  );
  const wallMs = since(started);
  const calls = Object.values(difference(await emulatorCalls(), before)).reduce((sum, n) => sum + n, 0);
  return {
    signIns,
    errors: Object.values(errorKinds).reduce((sum, n) => sum + n, 0),
    errorKinds,
    usersCreated: await countUsers(filter),
    latency: summarize(samples),
    wallMs,
    emulatorCalls: calls,
    emulatorCallsPerSecond: calls / (wallMs / 1000),
  };
}

async function concurrentFirstSignIns({ distinct, same }: { distinct: number; same: number }) {
  const prefix = `burst-${runId}-`;
  const distinctResult = await burst(
    distinct,
    Array.from({ length: distinct }, (_, i) => `${prefix}${i}@bench.example`),
    `email ^= "${prefix}"`,
  );
  const one = `same-${runId}@bench.example`;
  const sameResult = await burst(
    same,
    Array.from({ length: same }, () => one),
    `email = "${one}"`,
  );
  return { distinct: distinctResult, same: sameResult };
}

export interface QuotaSignIn {
  ok: boolean;
  /** ms from the common start to the sign-in's end (success or giving up). */
  doneMs: number;
  /** How many times it was sent again after a retryable 503. */
  retries: number;
  /** Each Retry-After it was given, in s. */
  retryAfters: number[];
  error?: string;
}

/**
 * Sign-ins all started at `startAt` (epoch ms, shared with the other instance), each retried as
 * the browser's callApi does (lib/client/api.ts): after a retryable 503, wait Retry-After plus
 * up to RETRY_LIMITS.jitterMs and send it again, at most RETRY_LIMITS.attempts times within
 * RETRY_LIMITS.withinMs. New emails are provisioned (UserCreation), seeded ones return.
 */
async function quotaBurst({
  emails,
  startAt,
  newUsers,
}: {
  emails: string[];
  startAt: number;
  newUsers: boolean;
}): Promise<QuotaSignIn[]> {
  const { RETRY_LIMITS } = await import('../lib/client/api');
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const signIn = newUsers
    ? passkeySignIn
    : (email: string) =>
        pipeline.signInVerifiedIdentity({ email, method: 'email_code', mayUseExistingUser: async () => true });
  return Promise.all(emails.map(quotaSignIn));

  async function quotaSignIn(email: string): Promise<QuotaSignIn> {
    const retryAfters: number[] = [];
    for (;;) {
      try {
        await signIn(email);
        return { ok: true, doneMs: Date.now() - startAt, retries: retryAfters.length, retryAfters };
      } catch (error) {
        const { retry, retryAfterSeconds } = error as { retry?: boolean; retryAfterSeconds?: number };
        const delay = (retryAfterSeconds ?? 1) * 1000 + Math.random() * RETRY_LIMITS.jitterMs;
        if (
          !retry ||
          retryAfters.length >= RETRY_LIMITS.attempts ||
          Date.now() + delay - startAt > RETRY_LIMITS.withinMs
        ) {
          return {
            ok: false,
            doneMs: Date.now() - startAt,
            retries: retryAfters.length,
            retryAfters,
            error: errorKind(error),
          };
        }
        retryAfters.push(retryAfterSeconds ?? 1);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

const TASKS: Record<string, (options: never) => Promise<unknown>> = {
  sessionCheck,
  signInPaths,
  concurrentFirstSignIns,
  quotaBurst,
  peers,
  middlewareGate,
};

async function main(): Promise<void> {
  pipeline = await import('../lib/sign-in/pipeline');
  session = await import('../lib/session/session');
  cookies = await import('../lib/session/cookies');
  tokens = await import('../lib/cognito/tokens');
  process.on('message', async (message: ToWorker) => {
    if (message.type === 'calls') {
      answers.get(message.id)?.(message.calls);
      answers.delete(message.id);
      return;
    }
    try {
      const result = await TASKS[message.task]!(message.options as never);
      send({ type: 'result', id: message.id, result });
    } catch (error) {
      send({ type: 'result', id: message.id, error: (error as Error).stack ?? String(error) });
    }
  });
  // The parent disconnects to stop it; an open connection (Redis, in the quota section) would keep it alive.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'result', id: 0, result: 'ready' });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
