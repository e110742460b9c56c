import { describe, expect, it } from 'vitest';
import { DevReadyDetector, formatRuns, parseOptions } from '@/scripts/first-run/phases';

/** The pieces of `npm run first-run` that decide what it measures (scripts/first-run/phases.ts). */

const feed = (detector: DevReadyDetector, lines: string[]) => lines.map((line) => detector.feed(line)).find(Boolean);

describe('dev-ready detection', () => {
  it("takes Next's own ready line when the launcher does not warm the pages up", () => {
    const output = [
      'Embedded Cognito at http://127.0.0.1:9229 (pool local_x).',
      '   \x1b[1m\x1b[38;2;173;127;168m▲ Next.js 15.5.29\x1b[39m\x1b[22m',
      '   - Local:        http://localhost:3471',
      '   - Network:      http://192.0.2.2:3471',
      ' ✓ Starting...',
    ];
    const detector = new DevReadyDetector();
    expect(feed(detector, output)).toBeUndefined();
    expect(detector.feed(' \x1b[32m✓\x1b[39m Ready in 5s')).toBe('http://localhost:3471/login');
  });

  it("waits for the launcher's own line when it said it compiles the first pages first", () => {
    const detector = new DevReadyDetector();
    const output = [
      'Compiling the first pages before giving the address, so that no click waits on a compile…',
      '   ▲ Next.js 15.5.29 (Turbopack)',
      '   - Local:        http://localhost:3000',
      ' ✓ Ready in 5s',
      ' ○ Compiling /login ...',
      ' GET /login 200 in 9000ms',
    ];
    expect(feed(detector, output)).toBeUndefined();
    expect(detector.feed('Ready: open http://localhost:3000/login (first pages compiled in 12.0 s)')).toBe(
      'http://localhost:3000/login',
    );
  });
});

describe('options', () => {
  it('defaults to one run of this checkout with the warm npm cache', () => {
    expect(parseOptions([], '/repo')).toEqual({ repo: '/repo', linkModules: false, runs: 1, keep: false });
  });

  it('reads every option', () => {
    expect(
      parseOptions(
        ['--repo', '/other', '--ref', 'abc', '--cache', 'cold', '--runs', '3', '--keep', '--link-modules'],
        '/repo',
      ),
    ).toEqual({
      repo: '/other',
      ref: 'abc',
      cache: 'cold',
      runs: 3,
      keep: true,
      linkModules: true,
    });
  });

  it.each([[['--runs', '0']], [['--runs', 'two']], [['--cache']], [['--ref', '--keep']], [['--fast']]])(
    'refuses %j',
    (args) => {
      expect(() => parseOptions(args, '/repo')).toThrow(/usage: npm run first-run/);
    },
  );
});

describe('the figures', () => {
  it('gives each run, the median and the CPU median per phase, and the totals', () => {
    const run = (install: number, dev: number) => [
      { name: 'npm ci', ms: install * 1000, cpuMs: 30_000 },
      { name: 'dev ready', ms: dev * 1000, cpuMs: 10_000 },
    ];
    const lines = formatRuns([run(100, 20), run(80, 40), run(90, 30)]).split('\n');
    expect(lines[0]).toMatch(/run 1\s+run 2\s+run 3\s+median\s+CPU$/);
    expect(lines[1]).toMatch(/^ {2}npm ci\s+100\.0 s\s+80\.0 s\s+90\.0 s\s+90\.0 s\s+30\.0 s$/);
    expect(lines[3]).toMatch(/^ {2}total\s+120\.0 s\s+120\.0 s\s+120\.0 s\s+120\.0 s\s+40\.0 s$/);
  });
});
