import { afterEach, describe, expect, it, vi } from 'vitest';
import { audit } from '@/lib/telemetry/audit';
import { log } from '@/lib/telemetry/log';

/** The audit trail is one log line per event, marked so a log pipeline can route it. */

afterEach(() => vi.restoreAllMocks());

describe('audit', () => {
  it('writes one info line named by the event, marked audit: true, with the fields', () => {
    const info = vi.spyOn(log, 'info').mockImplementation(() => {});
    const warn = vi.spyOn(log, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(log, 'error').mockImplementation(() => {});
    audit('passkey_added', { method: 'passkey', userSub: 'sub-1', count: 2, replaced: false });
    expect(info).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledWith('passkey_added', {
      audit: true,
      method: 'passkey',
      userSub: 'sub-1',
      count: 2,
      replaced: false,
    });
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it('marks a line without fields too', () => {
    const info = vi.spyOn(log, 'info').mockImplementation(() => {});
    audit('sign_out', {});
    expect(info).toHaveBeenCalledWith('sign_out', { audit: true });
  });

  it('leaves the caller its fields object unchanged', () => {
    vi.spyOn(log, 'info').mockImplementation(() => {});
    const fields = { method: 'password' };
    audit('sign_in', fields);
    expect(fields).toEqual({ method: 'password' });
  });
});
