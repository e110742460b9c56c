import { NodeSDK } from '@opentelemetry/sdk-node';

/** The service's name unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES gives one. */
export const DEFAULT_SERVICE_NAME = 'cognito-passkeys';

/**
 * Starts the OpenTelemetry Node SDK, the manual configuration of Next.js's OpenTelemetry guide.
 * It gets no settings of its own: exporters, protocol, endpoints, headers, sampler, propagators,
 * resource and export intervals come from the standard OTEL_* variables (OTEL_TRACES_EXPORTER,
 * OTEL_METRICS_EXPORTER, OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_TRACES_SAMPLER, OTEL_PROPAGATORS, OTEL_BSP_*, OTEL_METRIC_EXPORT_INTERVAL...), which the
 * SDK reads itself. No auto-instrumentation: Next.js makes its own spans (the incoming request,
 * route handlers, rendering, fetch) and lib/ makes the app's (lib/telemetry/). The default
 * propagators (W3C trace context and baggage) make an incoming `traceparent` the parent of
 * Next's request span.
 *
 * instrumentation.ts loads this module only when telemetryRequested() (switch.ts) says so.
 */
export function startTelemetry(env: Record<string, string | undefined> = process.env): void {
  const named =
    Boolean(env.OTEL_SERVICE_NAME?.trim()) || /(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  const sdk = new NodeSDK(named ? {} : { serviceName: DEFAULT_SERVICE_NAME });
  sdk.start();
  onShutdown(() => sdk.shutdown());
}

/**
 * Spans wait in a batch (OTEL_BSP_SCHEDULE_DELAY) and metrics until the next export: the SDK's
 * shutdown exports them. The production server runs it after the last request on SIGTERM
 * (SHUTDOWN_HOOKS in scripts/lifecycle.mjs, the same global key), so a deploy loses no telemetry.
 */
function onShutdown(hook: () => Promise<void>): void {
  const registry = globalThis as { [key: symbol]: Array<() => Promise<void>> | undefined };
  (registry[Symbol.for('cognito-passkeys.shutdown-hooks')] ??= []).push(hook);
}
