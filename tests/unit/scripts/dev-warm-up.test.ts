import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPILE_ONLY_ENTRIES, entryCompileRequest, scriptsOf } from '@/scripts/dev-warm-up';

/** What `npm run dev` compiles before it gives the address (scripts/dev-warm-up.ts). */

describe('the entries compiled without being called', () => {
  it.each(COMPILE_ONLY_ENTRIES)('%s is a page or route file of app/ (a renamed route would go unwarmed)', (entry) => {
    expect(['.tsx', '.ts'].some((extension) => existsSync(path.resolve('app', `${entry}${extension}`)))).toBe(true);
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
