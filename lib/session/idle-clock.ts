import 'server-only';

/**
 * The idle timeout's clock, kept in the session cookie as `lastSeenAt` (seconds). Writing it back
 * means re-sealing the cookie (about a millisecond of CPU), so it is written back only once it is
 * `writeBackInterval` seconds old: a tenth of the timeout, at most a minute. The requests in
 * between leave no trace, so the clock can lag the user's last request by up to
 * `writeBackInterval - 1` seconds, and the check allows for exactly that lag. Whoever comes back
 * within the timeout (any gap under it, whatever the timeout) therefore stays signed in, and an
 * idle session ends at most a tenth of the timeout (at most a minute) after it.
 *
 * Counting from the written clock alone (as before #24) signed users out early: under a 90 s
 * timeout, a user active every 50 s was signed out at 100 s.
 */

export function writeBackInterval(idleTimeoutSeconds: number): number {
  return Math.min(60, Math.max(1, Math.floor(idleTimeoutSeconds / 10)));
}

/** What a request at `now` does with a session whose idle clock shows `lastSeenAt` (both in seconds). */
export function idleClockAt(
  lastSeenAt: number,
  now: number,
  idleTimeoutSeconds: number,
): 'timed_out' | 'write_back' | 'keep' {
  const interval = writeBackInterval(idleTimeoutSeconds);
  const idle = now - lastSeenAt;
  if (idle > idleTimeoutSeconds + interval - 1) return 'timed_out';
  return idle >= interval ? 'write_back' : 'keep';
}
