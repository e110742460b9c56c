/**
 * Build-time corrections to @corbado/connect-react 0.2.4-alpha.0 (pinned exactly in
 * package.json) and the @corbado/web-core 2.18.0 it brings, applied to their bundled files by a
 * bundler loader (corbado-connect-loader.cjs, wired in next.config.mjs for webpack and Turbopack;
 * the component test page applies the same).
 *
 * Why patch rather than configure: the component has no option for any of these. Its provider
 * accepts `customTranslations` and `theme` but drops both unread; its words, date format, error
 * handling and font imports are hard-coded. Every patch names the exact text it replaces and the
 * build fails when that text is missing (an upgrade of the package must review them), so a patch
 * can never silently stop applying.
 */

const path = require('node:path');

const COMPONENT = /[\\/]@corbado[\\/]connect-react[\\/]dist[\\/]index\.js$/;
/** web-core as connect-react's own dependency (the app's @corbado/react uses another version). */
const WEB_CORE = /[\\/]@corbado[\\/]connect-react[\\/]node_modules[\\/]@corbado[\\/]web-core[\\/]dist[\\/]index\.js$/;
/** Both files the patches apply to (the loader's rule). */
const TARGET = new RegExp(`${COMPONENT.source}|${WEB_CORE.source}`);

const FORMATTER = path.resolve(__dirname, '../../app/account/format.ts');

/** @type {{ why: string; find: string; replace: string; count?: number }[]} */
const COMPONENT_PATCHES = [
  {
    why:
      'The passkey list reported its own aborted init as "Unable to access passkeys" and never cleared it: ' +
      'React unmounts and remounts every new component once in development (Strict Mode), the first ' +
      'manage/init is aborted, and the error stayed above the list the second run loaded. The login ' +
      'component already ignores such aborts (`ignore`); the list now does the same.',
    find: 'if(L().debug(N.val),N.err)return s(Z.CboApiNotAvailableDuringInitialLoad);',
    replace: 'if(L().debug(N.val),N.err){if(N.val.ignore)return;return s(Z.CboApiNotAvailableDuringInitialLoad)}',
  },
  {
    why:
      'An identifier Corbado has no user for (every password user before their first passkey, every ' +
      'newcomer) showed "There is no account registered with this email." with no way on. It now falls ' +
      'back exactly like an identifier without passkeys: onFallback(identifier, null), so the app shows one step for both.',
    find: 'case h.UserNotFound:u(null!=a?a:""),z(!1);break;',
    replace: 'case h.UserNotFound:O(i,null),z(!1);break;',
  },
  {
    why:
      "Google Fonts: the component's CSS imported Inter and Space Grotesk from fonts.googleapis.com, which " +
      "the CSP refuses (two console errors on every page) and which would hand each visitor's address to " +
      "Google. The app's own font is set through --cb-font-family-* (app/login/corbado-connect.css).",
    find:
      'g.push([M.id,"@import url(https://fonts.googleapis.com/css2?family=Space+Grotesk:wght@300..700&display=swap);"]),' +
      'g.push([M.id,"@import url(https://fonts.googleapis.com/css2?family=Inter:wght@100..900&display=swap);"]),',
    replace: '',
  },
  {
    why: 'Dates as the app writes them elsewhere ("7 Dec 2026, 00:05 UTC", app/account/format.ts), not "07-12-2026 00:05:24".',
    find: 'Ze(n,"dd-MM-yyyy HH:mm:ss")',
    replace: '__appFormatUtc(new Date(n).getTime())',
  },
  {
    why: 'The same, for "Last used".',
    find: 'Ze(c,"dd-MM-yyyy HH:mm:ss")',
    replace: '__appFormatUtc(new Date(c).getTime())',
  },
  // The app's words: "Sign in", never "Login"/"log in" (and no other product's name).
  { why: 'words', find: '},"Login")', replace: '},"Sign in")' },
  { why: 'words', find: '"Login with passkey"', replace: '"Sign in with a passkey"', count: 2 },
  { why: 'words', find: '"Login with a mobile passkey"', replace: '"Sign in with a passkey on your phone"' },
  {
    why: 'words',
    find: '"Login with passkeys was not possible. Try again or skip the process for now."',
    replace: '"Signing in with a passkey did not work. Try again, or skip it for now."',
  },
  { why: 'words', find: '"Skip passkey login"', replace: '"Sign in another way"' },
  { why: 'words', find: '"Use biometrics or PIN to login"', replace: '"Use your fingerprint, face or screen lock"' },
  {
    why: 'words',
    find: '"Add a passkey on this device in order to not require any other devices for login"',
    replace: '"Add a passkey on this device, so you need no other device to sign in"',
  },
  {
    why: 'words',
    find: '"Passkey login failed unexpectedly. Please use your password to log in."',
    replace: '"Signing in with your passkey failed. Use your password or an email code."',
  },
  {
    why: 'words',
    find: '"This passkey has been deleted and can no longer be used. Please use your password to log in and create a new one."',
    replace:
      '"This passkey was deleted and can no longer be used. Sign in with your password or an email code, then add a new one."',
  },
  {
    why: 'words',
    find: '"To activate your passkey, you will have to log in again with email address and password and activate your passkey"',
    replace: '"To add your passkey, sign in again with your email address, then add it"',
  },
  {
    why: 'words',
    find: '"You can now use your fingerprint, face or PIN to log in."',
    replace: '"Next time, sign in with your fingerprint, face or screen lock."',
  },
  { why: 'words', find: '"Use your mobile device to log in."', replace: '"Use your phone to sign in."' },
  {
    why: 'words',
    find: '"You can use your mobile device to log in. Simply scan the QR code."',
    replace: '"Sign in with your phone: scan the QR code."',
  },
  {
    why: 'words: on the offer, under the app\'s "Add a passkey for next time?", a bare "Success!" did not say what happened',
    find: '"Success!"',
    replace: '"Your passkey is added"',
  },
  { why: 'words', find: '"Your passkey log in was successful !"', replace: '"You signed in with your passkey."' },
  {
    why: "words (another product's account name)",
    find: '"You’re all set, please wait a moment whilst we log you in to your myVicRoads account."',
    replace: '"Signing you in…"',
  },
  {
    why: 'words',
    find: '"Passkeys allow users to log in without',
    replace: '"Passkeys let you sign in without',
  },
  {
    why: 'words',
    find: 'This new technology aims to replace log in methods such as passwords.',
    replace: 'They are made to replace passwords.',
  },
];

/** @type {{ why: string; find: string; replace: string; count?: number }[]} */
const WEB_CORE_PATCHES = [
  {
    why:
      'FingerprintJS (bundled in web-core) probes for ad blockers on Android and Safari by making elements ' +
      'with inline onclick attributes: the CSP refuses each (console errors on every phone visit), and ' +
      'an ad-blocker profile is nothing a sign-in needs. That one probe is skipped; the rest is unchanged.',
    find: 'case 0:return Hr()||qr()?(s=atob,e={abpIndo:',
    replace: 'case 0:return!1?(s=atob,e={abpIndo:',
  },
];

function countOf(source, text) {
  let count = 0;
  for (let at = source.indexOf(text); at !== -1; at = source.indexOf(text, at + text.length)) count += 1;
  return count;
}

function applyPatches(source, patches) {
  let patched = source;
  for (const { find, replace, count = 1, why } of patches) {
    const found = countOf(patched, find);
    if (found !== count) {
      throw new Error(
        `@corbado/connect-react patch (${why.slice(0, 60)}…): expected ${count} × ${JSON.stringify(find.slice(0, 80))}, ` +
          `found ${found}. The package changed: review scripts/build/corbado-connect-patch.cjs.`,
      );
    }
    patched = patched.split(find).join(replace);
  }
  return patched;
}

/**
 * The corrected source of `file` (one of TARGET's); throws when any patch does not find its text
 * exactly as often as it expects.
 */
function patchCorbadoConnect(source, file) {
  if (WEB_CORE.test(file)) return applyPatches(source, WEB_CORE_PATCHES);
  if (!COMPONENT.test(file)) throw new Error(`not a file the Corbado Connect patches apply to: ${file}`);
  const patched = applyPatches(source, COMPONENT_PATCHES);
  // Relative to the patched file: Turbopack resolves no absolute import paths.
  const formatter = path.relative(path.dirname(file), FORMATTER).split(path.sep).join('/');
  return `import { formatUtc as __appFormatUtc } from ${JSON.stringify(formatter)};\n${patched}`;
}

module.exports = { TARGET, patchCorbadoConnect };
