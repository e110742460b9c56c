import { context, isSpanContextValid, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/**
 * The app's spans, written against the OpenTelemetry API only. Until an SDK is registered
 * (instrumentation.ts, when OTEL_* asks for it) every tracer is the API's no-op: a span costs an
 * object or two and goes nowhere, so lib/ instruments unconditionally.
 */

/** The instrumentation scope of every span and instrument the app makes. */
export const SCOPE = 'cognito-passkeys';

const tracer = () => trace.getTracer(SCOPE);

/**
 * Runs `run` inside a span named `name`, a child of the active span (Next's request span, or
 * the caller's own). The span ends when `run` settles; a thrown error is recorded on it with
 * status ERROR and `error.type` (an AppError's code, else the error's name), and rethrown.
 */
export function withSpan<T>(name: string, attributes: Attributes, run: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await run(span);
    } catch (error) {
      span.setAttribute('error.type', errorType(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      if (error instanceof Error) span.recordException(error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A short, bounded name for what went wrong: an AppError's code, an SDK error's name. */
export function errorType(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Za-z][\w.-]{0,63}$/.test(code)) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return 'Error';
}

/**
 * The trace and span the caller runs in, for log lines (log.ts), or nothing when no real
 * span is active (telemetry off and no incoming trace, or outside any request).
 */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getSpan(context.active());
  const ids = span?.spanContext();
  return ids && isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : undefined;
}

/** Adds attributes to the active span, if any (e.g. the request id middleware assigned). */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getSpan(context.active())?.setAttributes(attributes);
}

/** `run` as a function whose every call is a span `name` (see withSpan). */
export function traced<A extends unknown[], R>(
  name: string,
  run: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return (...args) => withSpan(name, {}, () => run(...args));
}
