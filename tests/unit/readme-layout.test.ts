import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The README is a newcomer's front door: what it is, two commands, the scenarios, the layout and
 * links to the documents that say the rest. Its layout section names the folders of lib/ (and the
 * top-level folders), and names nothing that is not there.
 */

const root = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const layout = /## Layout\n[^#]*?```\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? '';
const listed = layout.split('\n').map((line) => line.split(/\s{2,}/)[0]!.trim());

/** "About 8 KB" (issue 22): what grows past it belongs in docs/. */
const README_MAX_BYTES = 8_400;

/**
 * lib/'s folders two levels deep (lib/a/ and lib/a/b/): enough to show every floor and every
 * sibling under one (each passkey layer of lib/layers/, lib/cognito/challenge/), which one level
 * would hide behind a single line; deeper folders are a module's own business.
 */
const LAYOUT_DEPTH = 2;

function foldersUnder(dir: string, depth: number): string[] {
  if (depth === 0) return [];
  return readdirSync(path.join(root, dir))
    .filter((name) => statSync(path.join(root, dir, name)).isDirectory())
    .flatMap((name) => [`${dir}/${name}/`, ...foldersUnder(`${dir}/${name}`, depth - 1)]);
}

describe("the README's layout", () => {
  it('is there', () => {
    expect(listed.length).toBeGreaterThan(10);
  });

  it('lists every folder of lib/ two levels deep, and every module at its root', () => {
    const rootModules = readdirSync(path.join(root, 'lib')).filter((name) => name.endsWith('.ts'));
    const expected = [...foldersUnder('lib', LAYOUT_DEPTH), ...rootModules.map((name) => `lib/${name}`)];
    expect(expected.filter((entry) => !listed.includes(entry))).toEqual([]);
  });

  it('names only paths that exist', () => {
    expect(listed.filter((entry) => !existsSync(path.join(root, entry)))).toEqual([]);
  });
});

describe('the README as a front door', () => {
  it(`stays under ${README_MAX_BYTES} bytes`, () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('links every document of docs/ exactly once', () => {
    const documents = readdirSync(path.join(root, 'docs')).filter((name) => name.endsWith('.md'));
    expect(documents.length).toBeGreaterThan(3);
    const timesLinked = (name: string) => readme.split(`](docs/${name})`).length - 1;
    expect(documents.filter((name) => timesLinked(name) !== 1)).toEqual([]);
  });

  it('keeps the two commands a newcomer needs', () => {
    expect(readme).toContain('npm ci && npm run dev');
    expect(readme).toContain('npm test ');
  });
});
