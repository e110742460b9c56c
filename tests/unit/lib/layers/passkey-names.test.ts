import { describe, expect, it } from 'vitest';
import { formatUtc } from '@/app/account/format';
import { describeDevice, newPasskeyName, providerName } from '@/lib/layers/passkey-names';

/** What a new passkey is called on /account (lib/layers/passkey-names.ts). */

describe('providerName: the provider of a known AAGUID', () => {
  it.each([
    ['ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', 'Google Password Manager'],
    ['fbfc3007-154e-4ecc-8c0b-6e020557d7bd', 'Apple Passwords'],
    ['dd4ec289-e01d-41c9-bb89-70fa845d4bf2', 'iCloud Keychain (Managed)'],
    ['bada5566-a7aa-401f-bd96-45619a55120d', '1Password'],
    ['08987058-cadc-4b81-b6e1-30de50dcbe96', 'Windows Hello'],
    ['d548826e-79b4-db40-a3d8-11116f7e8349', 'Bitwarden'],
    ['EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4', 'Google Password Manager'],
  ])('%s is %s', (aaguid, name) => {
    expect(providerName(aaguid)).toBe(name);
  });

  it('knows nothing of the zero AAGUID (attestation "none" may zero it), an unknown one, or garbage', () => {
    expect(providerName('00000000-0000-0000-0000-000000000000')).toBeNull();
    expect(providerName('01020304-0506-0708-0102-030405060708')).toBeNull();
    expect(providerName('__proto__')).toBeNull();
    expect(providerName('constructor')).toBeNull();
    expect(providerName('')).toBeNull();
    expect(providerName(undefined)).toBeNull();
  });
});

describe('describeDevice: the browser and system from the User-Agent', () => {
  it.each([
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome on Windows',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      'Edge on Windows',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
      'Safari on macOS',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
      'Safari on iPhone',
    ],
    [
      'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      'Chrome on Android',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
      'Samsung Internet on Android',
    ],
    ['Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox on Linux'],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36',
      'Chrome on Linux',
    ],
    [
      'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome on ChromeOS',
    ],
  ])('%s', (userAgent, description) => {
    expect(describeDevice(userAgent)).toBe(description);
  });

  it('says "This device" when the User-Agent tells nothing known', () => {
    expect(describeDevice('curl/8.5.0')).toBe('This device');
    expect(describeDevice(null)).toBe('This device');
  });
});

describe('newPasskeyName', () => {
  const chromeOnAndroid =
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

  it('prefers the provider, and falls back to the device', () => {
    expect(newPasskeyName('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', chromeOnAndroid)).toBe('Google Password Manager');
    expect(newPasskeyName('00000000-0000-0000-0000-000000000000', chromeOnAndroid)).toBe('Chrome on Android');
  });
});

describe('formatUtc: the same text on the server and in any browser', () => {
  it('spells the date out with no-break spaces inside the day and the time', () => {
    expect(formatUtc(Date.UTC(2026, 11, 2, 9, 5, 59))).toBe('2\u00a0Dec\u00a02026, 09:05\u00a0UTC');
    expect(formatUtc(Date.UTC(2027, 0, 31, 23, 59))).toBe('31\u00a0Jan\u00a02027, 23:59\u00a0UTC');
  });
});
