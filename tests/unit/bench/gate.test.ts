import { describe, expect, it } from 'vitest';
import { callgrindTotal, median, tenthPercentile } from '../../../bench/gate';

/** A dump as `callgrind_control -d` writes one (valgrind 3.19), most of its per-function lines cut. */
const DUMP = `# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 31337
cmd:  /usr/bin/node scripts/next-server.mjs -p 41234
part: 3


desc: I1 cache: 
desc: D1 cache: 
desc: LL cache: 
desc: Timerange: Basic block 1702938871 - 1703391512
desc: Trigger: Client Request: dump

positions: line
events: Ir
summary: 19452117


ob=(1) /usr/bin/node
fl=(1) ???
fn=(1) 0x0000000000b1e7e0
0 6

totals: 19452117
`;

describe('bench: the gate counted in instructions', () => {
  it("reads a callgrind dump's instruction total", () => {
    expect(callgrindTotal(DUMP)).toBe(19_452_117);
  });

  it('refuses a dump without a total, rather than count it as nothing', () => {
    expect(() => callgrindTotal(DUMP.replace(/^(summary|totals): .*$/gm, ''))).toThrow(/no totals line/);
  });

  it('judges the tenth percentile: the floor of clean requests, past one low outlier and many high ones', () => {
    // 20 counts (millions): 11 clean near 17, 8 with a collection or a compile on top, 1 that slipped.
    const clean = [16_900, 17_000, 17_100, 16_800, 16_950, 17_050, 16_850, 17_200, 16_900, 17_000, 16_980];
    const counts = [...clean, 40_200, 88_000, 35_100, 23_700, 52_000, 19_400, 61_300, 383_000, 15_000];
    expect(tenthPercentile(counts)).toBe(16_800);
    expect(Math.min(...counts)).toBe(15_000);
  });

  it('takes the median of an even count as the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, 1, 9])).toBe(5);
  });
});
