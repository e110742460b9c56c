/**
 * Runs once when a Next.js server boots, however it is started (`npm start`, the standalone
 * server, a platform's runtime):
 *
 * 1. a missing or malformed variable stops it with one clear line instead of failing on the
 *    first request;
 * 2. OpenTelemetry starts when the standard OTEL_* variables ask for an exporter
 *    (lib/telemetry/switch.ts; docs/DEPLOYMENT.md, "Telemetry"). Otherwise the SDK is not even
 *    loaded: the app's spans and metrics stay the API's no-ops.
 */
export async function register(): Promise<void> {
  // Written as a condition around the imports so the edge build drops the Node-only modules.
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { stopOnConfigurationError } = await import('./lib/config');
    stopOnConfigurationError();
    const { telemetryRequested } = await import('./lib/telemetry/switch');
    if (telemetryRequested()) {
      const { startTelemetry } = await import('./lib/telemetry/sdk');
      startTelemetry();
    }
  }
}
