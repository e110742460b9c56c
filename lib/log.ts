/**
 * Structured JSON logs, one line per event. Callers pass facts, never secrets: no tokens,
 * passwords, cookies or keys; emails only where an operator needs them.
 */
import { currentRequestId } from './request-context';

type Level = 'info' | 'warn' | 'error';

function write(level: Level, event: string, fields: Record<string, unknown>): void {
  const entry = { time: new Date().toISOString(), level, event, requestId: currentRequestId(), ...fields };
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
