import { describe, expect, it } from 'vitest';
import { idleClockAt, writeBackInterval } from '@/lib/session/idle-clock';

/**
 * The idle clock over simulated sessions, for timeouts across everything the configuration
 * accepts (SESSION_IDLE_TIMEOUT_SECONDS: 60 s and up): requests at real-valued times, the server
 * seeing whole seconds, the clock written back only when the server says so.
 */

/** A small deterministic generator, so a failure names a sequence that can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const TIMEOUTS = [60, 61, 90, 99, 100, 119, 120, 300, 599, 600, 601, 3600, 12 * 3600, 7 * 24 * 3600, 90 * 24 * 3600];

describe('idleClockAt', () => {
  it.each(TIMEOUTS)(
    'timeout %i s: gaps under the timeout never sign out; an idle session ends after the timeout, at most a tenth of it (and a minute) late',
    (idle) => {
      const next = random(idle);
      const slack = writeBackInterval(idle);
      expect(slack).toBeLessThanOrEqual(Math.min(60, idle / 10));
      for (let session = 0; session < 200; session += 1) {
        // Signed in at a random fraction of a second; the cookie records the whole second.
        let t = 1_000_000 + next();
        let lastSeenAt = Math.floor(t);
        for (let request = 0; request < 50; request += 1) {
          // Mostly gaps just under the timeout, the case the written-back clock could lose.
          const gap = next() < 0.5 ? idle * (1 - next() * 1e-3) : next() * idle;
          t += Math.min(gap, idle - 1e-6);
          const decision = idleClockAt(lastSeenAt, Math.floor(t), idle);
          expect(decision, `session ${session}, request ${request}`).not.toBe('timed_out');
          if (decision === 'write_back') lastSeenAt = Math.floor(t);
        }
        // Then nobody comes back: the first whole second at which the session is timed out
        // (From just before the timeout: the answer only moves toward timed_out as time passes.)
        let at = Math.floor(t) + idle - 1;
        expect(idleClockAt(lastSeenAt, at, idle)).not.toBe('timed_out');
        while (idleClockAt(lastSeenAt, at, idle) !== 'timed_out') at += 1;
        expect(at - t).toBeGreaterThanOrEqual(idle);
        expect(at - t).toBeLessThanOrEqual(idle + slack);
      }
    },
  );

  it('writes the clock back at most once per interval: a tenth of the timeout, at most a minute', () => {
    expect([60, 90, 600, 12 * 3600].map(writeBackInterval)).toEqual([6, 9, 60, 60]);
    expect(idleClockAt(1000, 1059, 12 * 3600)).toBe('keep');
    expect(idleClockAt(1000, 1060, 12 * 3600)).toBe('write_back');
  });

  it('the case from the review: 90 s timeout, a request every 50 s stays signed in', () => {
    let lastSeenAt = 0;
    for (let t = 50; t <= 1000; t += 50) {
      const decision = idleClockAt(lastSeenAt, t, 90);
      expect(decision, `at ${t} s`).not.toBe('timed_out');
      if (decision === 'write_back') lastSeenAt = t;
    }
  });
});
