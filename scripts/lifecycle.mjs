/**
 * Start and stop rules shared by the launcher (scripts/run.ts) and the production server
 * (scripts/next-server.mjs). Plain JavaScript: the server runs with `node`, without the app's
 * configuration module, so the one variable it needs is parsed here, in one place.
 */

/**
 * The AWS SDK for JavaScript v3's own rule (@aws-sdk/core, emitWarningIfUnsupportedVersion):
 * its releases after the first week of January 2027 need Node >= 22. On an older Node every
 * process that creates a client prints an 8-line warning, unless this variable is "true".
 */
export const SDK_MINIMUM_NODE_MAJOR = 22;
export const SDK_NODE_WARNING_VARIABLE = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/** One line for a person when `version` is a Node the AWS SDK will drop; undefined otherwise. */
export function nodeSupportNotice(version) {
  const major = Number.parseInt(version.replace(/^v/, ''), 10);
  if (!(major < SDK_MINIMUM_NODE_MAJOR)) return undefined;
  return (
    `Node ${version} is past its end of life, and AWS SDK releases after January 2027 need Node >= ` +
    `${SDK_MINIMUM_NODE_MAJOR}: use Node 22 or 24 LTS (README, "Node versions").`
  );
}

/**
 * The AWS SDK v2's end-of-support note, printed by every process that loads it. Only
 * cognito-local (inside the embedded Cognito) loads v2; the note is for its maintainers, and
 * nobody running this app can act on it.
 */
export const SDK_V2_NOTE_VARIABLE = 'AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE';

/**
 * Says the Node notice once, in the launcher, instead of the SDK saying it in every process:
 * sets the SDKs' own switches in `env`, which child processes (the Next server and its workers)
 * inherit. Call it before an SDK client exists (v3 checks then) and before the module that loaded
 * v2 gives back control (v2 prints on the next tick).
 */
export function quietAwsSdkNotices(env) {
  env[SDK_NODE_WARNING_VARIABLE] = 'true';
  env[SDK_V2_NOTE_VARIABLE] = '1';
}

export const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 10;
const MAX_SHUTDOWN_TIMEOUT_SECONDS = 3600;

/** SHUTDOWN_TIMEOUT_SECONDS in milliseconds: unset or empty = 10 s; else a number in (0, 3600]. */
export function shutdownTimeoutMs(value) {
  const text = value?.trim() ?? '';
  if (text === '') return DEFAULT_SHUTDOWN_TIMEOUT_SECONDS * 1000;
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds > 0 && seconds <= MAX_SHUTDOWN_TIMEOUT_SECONDS)) {
    throw new Error(
      `SHUTDOWN_TIMEOUT_SECONDS must be a number of seconds above 0 and at most ${MAX_SHUTDOWN_TIMEOUT_SECONDS}`,
    );
  }
  return Math.round(seconds * 1000);
}

/**
 * Work that must finish before the process exits on a signal, after the last request: the
 * OpenTelemetry SDK's buffered spans and metrics (lib/telemetry/sdk.ts registers its shutdown).
 * A global under Symbol.for, because Next bundles the app's modules apart from this script.
 */
export const SHUTDOWN_HOOKS = Symbol.for('cognito-passkeys.shutdown-hooks');

/** Runs every registered hook, for at most `withinMs`; a hook that fails or hangs stops nothing. */
export async function runShutdownHooks(withinMs) {
  const hooks = globalThis[SHUTDOWN_HOOKS] ?? [];
  if (hooks.length === 0) return;
  let timer;
  const deadline = new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, withinMs))));
  await Promise.race([Promise.allSettled(hooks.map(async (hook) => hook())), deadline]);
  clearTimeout(timer);
}

/**
 * On SIGTERM or SIGINT: stop accepting, let in-flight requests finish, close keep-alive sockets
 * as they go idle, run the shutdown hooks within what is left of the deadline, and exit 0; or 1
 * at the deadline with requests still open. A second signal exits at once.
 */
export function drainOnSignal(server, { timeoutMs, log, exit = (code) => process.exit(code) }) {
  let stopping = false;
  let drained = false;
  const onSignal = (signal) => {
    if (stopping) {
      log(`${signal} again: stopping now.`);
      exit(1);
      return;
    }
    stopping = true;
    const deadline = Date.now() + timeoutMs;
    log(`${signal}: finishing the requests in flight (at most ${timeoutMs / 1000} s), then stopping.`);
    server.close(async () => {
      drained = true;
      await runShutdownHooks(deadline - Date.now());
      exit(0);
    });
    // A keep-alive socket becomes idle when its last response is written; close it then.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    server.closeIdleConnections();
    setTimeout(() => {
      // Every request has ended: the hooks are running, and end by this deadline themselves.
      if (drained) return;
      log(`Shutdown deadline of ${timeoutMs / 1000} s reached with requests in flight: stopping.`);
      server.closeAllConnections();
      exit(1);
    }, timeoutMs).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
