/**
 * Runs once when a Next.js server boots, however it is started (`npm start`, the standalone
 * server, a platform's runtime): a missing or malformed variable stops it with one clear line
 * instead of failing on the first request.
 */
export async function register(): Promise<void> {
  // Written as a condition around the import so the edge build drops the Node-only module.
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { stopOnConfigurationError } = await import('./lib/config');
    stopOnConfigurationError();
  }
}
