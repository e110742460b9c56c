/**
 * Is OpenTelemetry exporting asked for? Only the standard OTEL_* variables decide, so the same
 * settings work here as for any OpenTelemetry SDK (docs/DEPLOYMENT.md, "Telemetry"):
 *
 * - on when an exporter is named (`OTEL_TRACES_EXPORTER` or `OTEL_METRICS_EXPORTER`, other than
 *   `none`) or an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`, or its `_TRACES_` /
 *   `_METRICS_` variant);
 * - off otherwise, and always when `OTEL_SDK_DISABLED=true`.
 *
 * Off is the default: a plain `npm run dev` loads no SDK at all, and every span and instrument
 * in lib/ is the API's no-op (see tracing.ts). This module imports nothing: instrumentation.ts
 * reads it before deciding whether to load the SDK.
 */
export function telemetryRequested(env: Record<string, string | undefined> = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const named = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .some((name) => name !== '' && name !== 'none');
  const set = (value: string | undefined) => (value ?? '').trim() !== '';
  return (
    named(env.OTEL_TRACES_EXPORTER) ||
    named(env.OTEL_METRICS_EXPORTER) ||
    set(env.OTEL_EXPORTER_OTLP_ENDPOINT) ||
    set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ||
    set(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT)
  );
}
