/**
 * Structured JSON logs, one line per event. Callers pass facts, never secrets: no tokens,
 * passwords, cookies or keys; emails only where an operator needs them.
 *
 * Each line carries the request id (request-context.ts) and, when a span is active (telemetry on,
 * or an incoming `traceparent` continued), its `trace_id` and `span_id`: a line leads to its trace,
 * and a trace to its lines.
 */
import { currentRequestId } from './request-context';
import { activeTraceIds } from './tracing';

type Level = 'info' | 'warn' | 'error';

function write(level: Level, event: string, fields: Record<string, unknown>): void {
  const entry = {
    time: new Date().toISOString(),
    level,
    event,
    requestId: currentRequestId(),
    ...activeTraceIds(),
    ...fields,
  };
  const line = JSON.stringify(entry, (_key, value) =>
    value instanceof Error ? { name: value.name, message: value.message } : value,
  );
  (level === 'error' ? console.error : console.log)(line);
}

export const log = {
  info: (event: string, fields: Record<string, unknown> = {}) => write('info', event, fields),
  warn: (event: string, fields: Record<string, unknown> = {}) => write('warn', event, fields),
  error: (event: string, fields: Record<string, unknown> = {}) => write('error', event, fields),
};
