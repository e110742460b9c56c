import { describe, expect, it } from 'vitest';
import { DevOutputFilter, localAddressOf } from '@/scripts/dev-output';

/** What `npm run dev` passes on of Next's output (scripts/dev-output.ts), on lines Next 15.5 printed. */

const pass = (lines: string[]) => {
  const filter = new DevOutputFilter();
  return [...lines.flatMap((line) => filter.push(line)), ...filter.flush()];
};

// As Turbopack printed it after each compile, colours included.
const FALSE_WARNING = [
  ' \x1b[33m⚠\x1b[39m ./middleware.ts:1:1',
  'Ecmascript file had an error',
  "\x1b[31m\x1b[1m>\x1b[22m\x1b[39m\x1b[90m 1 |\x1b[39m \x1b[36mimport\x1b[39m { randomBytes } \x1b[36mfrom\x1b[39m \x1b[32m'node:crypto'\x1b[39m\x1b[33m;\x1b[39m",
  ' \x1b[90m   |\x1b[39m \x1b[31m\x1b[1m^\x1b[22m\x1b[39m',
  " \x1b[90m 2 |\x1b[39m \x1b[36mimport\x1b[39m { \x1b[33mNextResponse\x1b[39m } \x1b[36mfrom\x1b[39m \x1b[32m'next/server'\x1b[39m",
  '',
  "A Node.js module is loaded ('node:crypto' at line 1) which is not supported in the Edge Runtime.",
  'Learn More: https://nextjs.org/docs/messages/node-module-in-edge-runtime',
  '',
  '',
];

describe("next dev's output through the launcher", () => {
  it('leaves out the address lines and the tsconfig line, and keeps the rest', () => {
    expect(
      pass([
        '   ▲ Next.js 15.5.29 (Turbopack)',
        '   - Local:        http://localhost:3000',
        '   - Network:      http://192.0.2.2:3000',
        '',
        ' ✓ Starting...',
        '   Using tsconfig file: tsconfig.next.json',
        ' ✓ Ready in 5s',
      ]),
    ).toEqual(['   ▲ Next.js 15.5.29 (Turbopack)', '', ' ✓ Starting...', ' ✓ Ready in 5s']);
  });

  it("drops Turbopack's false Edge-runtime warning on middleware.ts, every time, with its blank lines", () => {
    expect(
      pass([' ✓ Compiled /login in 9s', ...FALSE_WARNING, ' GET /login 200 in 9s', ...FALSE_WARNING, ' GET /x 404']),
    ).toEqual([' ✓ Compiled /login in 9s', ' GET /login 200 in 9s', ' GET /x 404']);
  });

  it('passes on any other warning about middleware.ts whole', () => {
    const other = [
      ' ⚠ ./middleware.ts:3:1',
      'Module not found: ./lib/nowhere',
      ...Array.from({ length: 25 }, (_, i) => `line ${i}`),
    ];
    expect(pass(other)).toEqual(other);
    expect(pass(other.slice(0, 4))).toEqual(other.slice(0, 4));
  });

  it("reads the address from Next's Local line", () => {
    expect(localAddressOf('   \x1b[1m- Local:\x1b[22m        http://localhost:3471')).toBe('http://localhost:3471');
    expect(localAddressOf('   - Network:      http://192.0.2.2:3471')).toBeUndefined();
  });
});
