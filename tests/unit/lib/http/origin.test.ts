import { describe, expect, it } from 'vitest';
import { isCrossSiteWrite } from '@/lib/http/origin';

describe('isCrossSiteWrite', () => {
  const APP = 'https://app.example';
  const headers = (init: Record<string, string>) => new Headers(init);

  it.each(['GET', 'HEAD', 'OPTIONS', 'get'])('never flags a %s request, even from a foreign site', (method) => {
    expect(
      isCrossSiteWrite(method, headers({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }), APP),
    ).toBe(false);
  });

  it.each([
    ['a foreign Origin', { origin: 'https://evil.example' }],
    [
      'a foreign Origin claiming same-origin in Sec-Fetch-Site',
      { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' },
    ],
    ['a sibling subdomain Origin', { origin: 'https://evil.app.example' }],
    ['the app host over http', { origin: 'http://app.example' }],
    ['the app host on another port', { origin: 'https://app.example:8443' }],
    ['Origin: null (sandboxed iframe, data: URL)', { origin: 'null' }],
    ['an empty Origin', { origin: '' }],
    ['Sec-Fetch-Site cross-site without Origin', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site without Origin', { 'sec-fetch-site': 'same-site' }],
  ])('flags a POST with %s', (_what, init) => {
    expect(isCrossSiteWrite('POST', headers(init), APP)).toBe(true);
  });

  it.each(['PUT', 'PATCH', 'DELETE', 'post'])('flags a %s from a foreign Origin', (method) => {
    expect(isCrossSiteWrite(method, headers({ origin: 'https://evil.example' }), APP)).toBe(true);
  });

  it.each([
    ['the same Origin', { origin: APP }],
    ['the same Origin and Sec-Fetch-Site same-origin', { origin: APP, 'sec-fetch-site': 'same-origin' }],
    ['no Origin and Sec-Fetch-Site same-origin', { 'sec-fetch-site': 'same-origin' }],
    ['no Origin and Sec-Fetch-Site none (typed in the address bar)', { 'sec-fetch-site': 'none' }],
    ['neither header (a non-browser client)', {}],
  ])('lets through a POST with %s', (_what, init) => {
    expect(isCrossSiteWrite('POST', headers(init), APP)).toBe(false);
  });
});
