import 'server-only';
import { log } from './log';

/**
 * The audit trail: who did what security-relevant thing, and how. One structured log line per
 * event with `audit: true`, so a log pipeline can route it. Never a token, password or code.
 */
export type AuditEvent =
  | 'sign_up'
  | 'sign_in'
  | 'sign_in_failed'
  | 'sign_out'
  | 'passkey_added'
  | 'passkey_removed'
  | 'account_linked'
  | 'webhook_event';

export function audit(event: AuditEvent, fields: Record<string, string | number | boolean | undefined>): void {
  log.info(event, { audit: true, ...fields });
}
