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

const COMPONENT = /[\\/]@corbado[\\/]connect-react[\\/]dist[\\/]index\.js$/;
/** web-core as connect-react's own dependency (the app's @corbado/react uses another version). */
const WEB_CORE = /[\\/]@corbado[\\/]connect-react[\\/]node_modules[\\/]@corbado[\\/]web-core[\\/]dist[\\/]index\.js$/;
/** Both files the patches apply to (the loader's rule). */
const TARGET = new RegExp(`${COMPONENT.source}|${WEB_CORE.source}`);

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
];

/** @type {{ why: string; find: string; replace: string; count?: number }[]} */
const WEB_CORE_PATCHES = [];

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
          `found ${found}. The package changed: review lib/build/corbado-connect-patch.cjs.`,
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
  return applyPatches(source, COMPONENT_PATCHES);
}

module.exports = { TARGET, patchCorbadoConnect };
