import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The README's layout section is how a newcomer finds their way in: it names every folder of
 * lib/ (and the top-level folders), and names nothing that is not there.
 */

const root = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const layout = /## Layout\n[^#]*?```\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? '';
const listed = layout.split('\n').map((line) => line.split(/\s{2,}/)[0]!.trim());

function foldersUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir))
    .filter((name) => statSync(path.join(root, dir, name)).isDirectory())
    .flatMap((name) => [`${dir}/${name}/`, ...foldersUnder(`${dir}/${name}`)]);
}

describe("the README's layout", () => {
  it('is there', () => {
    expect(listed.length).toBeGreaterThan(10);
  });

  it('lists every folder of lib/, and every module at its root', () => {
    const rootModules = readdirSync(path.join(root, 'lib')).filter((name) => name.endsWith('.ts'));
    const expected = [...foldersUnder('lib'), ...rootModules.map((name) => `lib/${name}`)];
    expect(expected.filter((entry) => !listed.includes(entry))).toEqual([]);
  });

  it('names only paths that exist', () => {
    expect(listed.filter((entry) => !existsSync(path.join(root, entry)))).toEqual([]);
  });
});
