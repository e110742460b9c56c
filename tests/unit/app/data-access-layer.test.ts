import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  appRouteFiles,
  PUBLIC_ROUTES,
  protectedRouteFiles,
  ROOT,
  serverActionFiles,
  urlPathOf,
} from '../../support/app-routes';

/**
 * The data-access layer: every page, route handler and server action that is not on the public
 * list (tests/support/app-routes.ts) calls requireSession() itself, in every handler it exports,
 * so that a request that gets past middleware.ts (or a deployment where it does not run) still
 * meets the session check. A new route fails here until it calls it or is listed as public.
 */

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

function callsRequireSession(node: ts.Node): boolean {
  if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'requireSession') {
    return true;
  }
  return ts.forEachChild(node, callsRequireSession) ?? false;
}

const isExported = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
const isDefault = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);

/**
 * The entry points a module exports, each with whether its body calls requireSession(): a
 * route's HTTP method handlers, a page's default export, or every exported function of a
 * 'use server' module.
 */
function entryPoints(source: string, kind: 'route' | 'page' | 'actions'): Array<[string, boolean]> {
  const file = ts.createSourceFile('module.tsx', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: Array<[string, boolean]> = [];
  for (const statement of file.statements) {
    if (ts.isFunctionDeclaration(statement) && isExported(statement)) {
      const name = isDefault(statement) ? 'default' : (statement.name?.text ?? '');
      const wanted = kind === 'page' ? name === 'default' : kind === 'route' ? HTTP_METHODS.has(name) : true;
      if (wanted) found.push([name, callsRequireSession(statement)]);
    } else if (ts.isVariableStatement(statement) && isExported(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const name = declaration.name.getText(file);
        const isFunction =
          declaration.initializer !== undefined &&
          (ts.isArrowFunction(declaration.initializer) ||
            ts.isFunctionExpression(declaration.initializer) ||
            ts.isCallExpression(declaration.initializer));
        const wanted = kind === 'route' ? HTTP_METHODS.has(name) : kind === 'actions' && isFunction;
        if (wanted) found.push([name, callsRequireSession(declaration)]);
      }
    } else if (ts.isExportAssignment(statement) && kind === 'page') {
      found.push(['default', callsRequireSession(statement)]);
    }
  }
  return found;
}

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const kindOf = (file: string) => (file.endsWith('page.tsx') ? 'page' : 'route');

describe('the data-access layer', () => {
  it('finds the routes and sees a missing check (the checker itself)', () => {
    expect(appRouteFiles()).toContain('app/account/page.tsx');
    expect(appRouteFiles()).toContain('app/api/account/passkeys/[id]/route.ts');
    const route = `export const GET = handleErrors(async () => { const user = await requireSession(); return user; });
export const POST = handleErrors(async () => { const user = await getCurrentUser(); return user; });
export async function DELETE() { await requireSession({ recentSignIn: true }); }
export const dynamic = 'force-dynamic';`;
    expect(entryPoints(route, 'route')).toEqual([
      ['GET', true],
      ['POST', false],
      ['DELETE', true],
    ]);
    // A mention in a comment or a string is not a call.
    expect(
      entryPoints('// requireSession()\nexport default async function Page() { return "requireSession()"; }', 'page'),
    ).toEqual([['default', false]]);
    expect(
      entryPoints(
        "'use server';\nexport async function rename() {}\nexport const remove = async () => requireSession();",
        'actions',
      ),
    ).toEqual([
      ['rename', false],
      ['remove', true],
    ]);
  });

  it.each(protectedRouteFiles())('%s calls requireSession() in every handler it exports', (file) => {
    const entries = entryPoints(read(file), kindOf(file));
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.filter(([, calls]) => !calls).map(([name]) => name)).toEqual([]);
  });

  it('every server action calls requireSession()', () => {
    const missing = serverActionFiles().flatMap((file) =>
      entryPoints(read(file), 'actions')
        .filter(([, calls]) => !calls)
        .map(([name]) => `${file}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('lists as public only routes that exist', () => {
    expect(Object.keys(PUBLIC_ROUTES).filter((file) => !existsSync(path.join(ROOT, file)))).toEqual([]);
  });

  it('lists as public nothing under the prefixes middleware.ts gates (the two lists agree)', () => {
    const gate = read('middleware.ts');
    const prefixes = ['PROTECTED_PAGES', 'PROTECTED_API'].flatMap((name) => {
      const list = new RegExp(`const ${name} = \\[([^\\]]*)\\]`).exec(gate)?.[1] ?? '';
      return [...list.matchAll(/'([^']+)'/g)].map((match) => match[1]!);
    });
    expect(prefixes).toContain('/account');
    const gated = (file: string) =>
      prefixes.some((prefix) => urlPathOf(file) === prefix || urlPathOf(file).startsWith(`${prefix}/`));
    expect(Object.keys(PUBLIC_ROUTES).filter(gated)).toEqual([]);
    // And the other way: every protected route is gated too, so it gets early redirects and refreshes.
    expect(protectedRouteFiles().filter((file) => !gated(file))).toEqual([]);
  });
});
