/**
 * Runs once when a Next.js server boots, however it is started (`npm start`, the standalone
 * server, a platform's runtime): a missing or malformed variable stops it with one clear line
 * instead of failing on the first request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return;
  const { ConfigError, getConfig } = await import('./lib/config');
  try {
    getConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
}
