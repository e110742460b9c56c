/**
 * The pure pieces of `npm run first-run` (scripts/first-run.ts), apart so that a fast test can
 * check them against the real launcher: the options, the detection of "dev is ready" in the
 * launcher's output, and the table of figures.
 */

export interface FirstRunOptions {
  /** The repository to clone (a path or URL); default: this checkout. */
  repo: string;
  /** A commit or branch to check out after the clone, e.g. to measure an older launcher. */
  ref?: string;
  /** npm's cache folder: undefined = the user's warm cache; 'cold' = a fresh empty folder. */
  cache?: string;
  /** Skip `npm ci`: hard-link this checkout's node_modules into the clone instead. */
  linkModules: boolean;
  /** How many runs, one after the other, each from a fresh clone. */
  runs: number;
  /** Keep the clone(s) for a look afterwards. */
  keep: boolean;
}

export const USAGE = `usage: npm run first-run -- [options]
  --repo PATH|URL   the repository to clone (default: this checkout, its committed HEAD)
  --ref COMMIT      check this commit or branch out after cloning
  --cache DIR       npm's cache folder; --cache cold = a fresh empty one (default: your warm cache)
  --link-modules    skip npm ci: hard-link this checkout's node_modules (dev and clicks only)
  --runs N          measure N times, each from a fresh clone (default 1)
  --keep            keep the clones (their paths are printed)`;

export function parseOptions(args: string[], defaultRepo: string): FirstRunOptions {
  const options: FirstRunOptions = { repo: defaultRepo, linkModules: false, runs: 1, keep: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${arg} needs a value\n${USAGE}`);
      return next;
    };
    if (arg === '--repo') options.repo = value();
    else if (arg === '--ref') options.ref = value();
    else if (arg === '--cache') options.cache = value();
    else if (arg === '--link-modules') options.linkModules = true;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--runs') {
      const runs = Number(value());
      if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number above 0\n${USAGE}`);
      options.runs = runs;
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return options;
}

/** The launcher's line once the first pages are compiled (scripts/run.ts, `announceReady`). */
export const LAUNCHER_READY = /^Ready: open (http:\/\/\S+)/;
/** The launcher's line when it will compile the first pages before it gives the address. */
export const LAUNCHER_WARMING = /^Compiling the first pages/;
/** Next's own banner and ready line, which older launchers left as the only signal. */
const NEXT_LOCAL = /^\s*- Local:\s+(http:\/\/\S+)/;
const NEXT_READY = /✓ Ready in /;

/**
 * Reads the launcher's output line by line and tells when a person would open the app: at the
 * launcher's own "Ready: open URL" line when it announced that it warms the pages up, otherwise
 * (a launcher without warm-up) at Next's "✓ Ready in" line, with the address of Next's banner.
 */
export class DevReadyDetector {
  private warming = false;
  private nextUrl?: string;

  /** The address to open once `line` says the app is ready; undefined before. */
  feed(rawLine: string): string | undefined {
    const line = rawLine.replace(/\x1b\[[0-9;]*m/g, '');
    const launcher = LAUNCHER_READY.exec(line);
    if (launcher) return launcher[1];
    if (LAUNCHER_WARMING.test(line)) this.warming = true;
    const local = NEXT_LOCAL.exec(line);
    if (local) this.nextUrl = local[1];
    if (!this.warming && NEXT_READY.test(line) && this.nextUrl) return `${this.nextUrl}/login`;
    return undefined;
  }
}

export interface Phase {
  name: string;
  /** Wall clock, what the newcomer waits. */
  ms: number;
  /** CPU spent for it (steps.ts, cpuSpent): what a busy machine does not inflate. */
  cpuMs: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sum = (phases: Phase[], key: 'ms' | 'cpuMs') => phases.reduce((total, phase) => total + phase[key], 0);

function median(figures: number[]): number {
  const sorted = [...figures].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Runs side by side, one row per phase and the total last: each run's wall clock, then the
 * medians of wall clock and of CPU.
 */
export function formatRuns(runs: Phase[][]): string {
  const names = [...(runs[0] ?? []).map((phase) => phase.name), 'total'];
  const value = (run: Phase[], name: string, key: 'ms' | 'cpuMs') =>
    name === 'total' ? sum(run, key) : (run.find((phase) => phase.name === name)?.[key] ?? 0);
  const width = Math.max(...names.map((name) => name.length));
  const cell = (text: string) => text.padStart(9);
  const header = `  ${''.padEnd(width)}${runs.map((_, i) => cell(`run ${i + 1}`)).join('')}${cell('median')}${cell('CPU')}`;
  const rows = names.map((name) => {
    const walls = runs.map((run) => value(run, name, 'ms'));
    const cpus = runs.map((run) => value(run, name, 'cpuMs'));
    return `  ${name.padEnd(width)}${walls.map((ms) => cell(seconds(ms))).join('')}${cell(seconds(median(walls)))}${cell(seconds(median(cpus)))}`;
  });
  return [header, ...rows].join('\n');
}
