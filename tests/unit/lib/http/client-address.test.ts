import { describe, expect, it } from 'vitest';
import { clientAddress } from '@/lib/http/client-address';

/** The key of the per-client rate limits: a client that could choose it could reset its own limit. */

describe('clientAddress', () => {
  it.each([
    ['one entry', { 'x-forwarded-for': '203.0.113.7' }, '203.0.113.7'],
    [
      'the right-most of several (the one the nearest proxy appended)',
      { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' },
      '203.0.113.7',
    ],
    [
      'the right-most, whatever a client put before it',
      { 'x-forwarded-for': '1.1.1.1,2.2.2.2 ,  203.0.113.7  ' },
      '203.0.113.7',
    ],
    ['an IPv6 address', { 'x-forwarded-for': '2001:db8::1' }, '2001:db8::1'],
    ['X-Real-IP when there is no X-Forwarded-For', { 'x-real-ip': ' 203.0.113.9 ' }, '203.0.113.9'],
    [
      'X-Forwarded-For before X-Real-IP',
      { 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '203.0.113.9' },
      '203.0.113.7',
    ],
    [
      'X-Real-IP when the right-most entry is empty',
      { 'x-forwarded-for': '203.0.113.7, ', 'x-real-ip': '203.0.113.9' },
      '203.0.113.9',
    ],
    [
      'unknown when the right-most entry is empty and there is no X-Real-IP',
      { 'x-forwarded-for': '203.0.113.7,' },
      'unknown',
    ],
    ['unknown when X-Forwarded-For is blank', { 'x-forwarded-for': '   ' }, 'unknown'],
    ['unknown when X-Real-IP is blank', { 'x-real-ip': ' ' }, 'unknown'],
    ['unknown without either header', {}, 'unknown'],
  ])('gives %s', (_what, init: Record<string, string>, expected) => {
    expect(clientAddress(new Headers(init))).toBe(expected);
  });

  it('takes the last of repeated X-Forwarded-For headers, which Headers joins with commas', () => {
    const headers = new Headers();
    headers.append('x-forwarded-for', '6.6.6.6');
    headers.append('x-forwarded-for', '203.0.113.7');
    expect(clientAddress(headers)).toBe('203.0.113.7');
  });

  it('gives each spoofed left-hand entry the same key, so rotating it does not escape the limit', () => {
    const keys = new Set(
      ['1.1.1.1', '2.2.2.2', 'unknown', '', 'x'.repeat(500)].map((spoofed) =>
        clientAddress(new Headers({ 'x-forwarded-for': `${spoofed}, 203.0.113.7` })),
      ),
    );
    expect([...keys]).toEqual(['203.0.113.7']);
  });
});
