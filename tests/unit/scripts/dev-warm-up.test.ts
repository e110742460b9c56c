import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import {
  COMPILE_ONLY_ENTRIES,
  entryCompileRequest,
  NOT_WARMED,
  scriptsOf,
  WARM_UP_REQUESTS,
} from '@/scripts/dev-warm-up';

/** What `npm run dev` compiles before it gives the address (scripts/dev-warm-up.ts). */

/** The entry of an app/ file as Next names it: `account/page`, `api/auth/me/route`, `_not-found/page`. */
function entryOf(file: string): string {
  const entry = file.replace(/\.tsx?$/, '');
  return entry === 'not-found' ? '_not-found/page' : entry;
}

/** The entry a warm-up request compiles: the page or route file behind its path. */
function entryOfPath(requestPath: string): string {
  const folder = requestPath.replace(/^\//, '');
  return existsSync(path.resolve('app', folder, 'page.tsx')) ? `${folder}/page`.replace(/^\//, '') : `${folder}/route`;
}

describe('the entries compiled without being called', () => {
  it.each(COMPILE_ONLY_ENTRIES)('%s is a page or route file of app/ (a renamed route would go unwarmed)', (entry) => {
    const file = entry === '_not-found/page' ? 'not-found' : entry;
    expect(['.tsx', '.ts'].some((extension) => existsSync(path.resolve('app', `${file}${extension}`)))).toBe(true);
  });

  it('with the requests, cover every page and route of app/ but those no person waits on (a new one must be placed)', () => {
    const files = readdirSync('app', { recursive: true, encoding: 'utf8' })
      .map((file) => file.split(path.sep).join('/'))
      .filter((file) => /(^|\/)(page\.tsx|route\.ts|not-found\.tsx)$/.test(file));
    const warmed = new Set([...COMPILE_ONLY_ENTRIES, ...WARM_UP_REQUESTS.map((request) => entryOfPath(request.path))]);
    const unplaced = files.map(entryOf).filter((entry) => !warmed.has(entry) && !NOT_WARMED.includes(entry));
    expect(unplaced).toEqual([]);
    expect(NOT_WARMED.filter((entry) => warmed.has(entry))).toEqual([]);
  });

  it('cover the account page and every route of "Create a passkey" and "Not now", which middleware guards', () => {
    expect(COMPILE_ONLY_ENTRIES).toEqual(
      expect.arrayContaining([
        'account/page',
        'api/account/passkeys/options/route',
        'api/account/passkeys/route',
        'api/account/passkey-offer/route',
      ]),
    );
  });

  it("are asked for as the dev server's page bundles, which it compiles on request", () => {
    expect(entryCompileRequest('account/page')).toBe('/_next/static/chunks/pages/account/page.js');
  });
});

describe('scriptsOf', () => {
  it("lists the page's own scripts once each, and nothing from elsewhere", () => {
    const html =
      '<script src="/_next/static/chunks/a.js" async></script><script src="/_next/static/chunks/a.js"></script>' +
      '<script nonce="n" src="https://cdn.example.com/x.js"></script><script>inline()</script>';
    expect(scriptsOf(html)).toEqual(['/_next/static/chunks/a.js']);
  });
});
