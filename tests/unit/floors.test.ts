import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The floors of docs/ARCHITECTURE.md are enforced by `npm run lint` (eslint.config.mjs). These
 * tests lint a few lines of code as if they were a file of the repository, with the repository's
 * own configuration, so an import that runs back up is proven to fail, not just said to.
 */

const ROOT = path.resolve(__dirname, '../..');
let eslint: ESLint;
/** The floors as eslint.config.mjs declares them, bottom first. */
let FLOORS: string[][];
beforeAll(async () => {
  eslint = new ESLint({ cwd: ROOT });
  ({ FLOORS } = await import(pathToFileURL(path.join(ROOT, 'eslint.config.mjs')).href));
}, 120_000);

/** The messages of `rule` for `code` linted as the file `filePath`. */
async function complaints(filePath: string, code: string, rule = 'import/no-restricted-paths'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((message) => message.ruleId === rule).map((message) => message.message);
}

/** A module that imports `specifiers` and uses what it imported, so no other rule complains. */
const importing = (...specifiers: string[]) =>
  specifiers.map((specifier, i) => `import * as m${i} from '${specifier}';`).join('\n') +
  `\nexport const used = [${specifiers.map((_, i) => `m${i}`).join(', ')}];\n`;

describe('npm run lint refuses an import that runs back up a floor', () => {
  it.each([
    ['lib/errors.ts', './config', 'errors depend on nothing'],
    ['lib/config/index.ts', '../cognito/quota', 'config under cognito (the old quota back-up import)'],
    ['lib/config/index.ts', '../telemetry/log', 'config under telemetry'],
    ['lib/telemetry/cognito.ts', '../cognito/users', 'telemetry under cognito'],
    ['lib/http/respond.ts', '../store', 'HTTP basics under the store'],
    ['lib/store/index.ts', '../sign-in/pipeline', 'the store under the pipeline'],
    ['lib/cognito/users.ts', '../layers/corbado-complete/client', 'Cognito under the passkey layers'],
    ['lib/sign-in/pipeline.ts', '../layers/corbado-complete/client', 'the pipeline under the passkey layers'],
    ['lib/sign-in/pipeline.ts', '../layers/self-hosted/webauthn', 'the pipeline under the passkey layers'],
    ['lib/sign-in/pipeline.ts', '../layers', 'the pipeline under the layer selection'],
    ['lib/layers/self-hosted/webauthn.ts', '../../readiness', 'a layer under readiness'],
    ['lib/readiness.ts', '../app/login/page', 'lib/ under app/'],
  ])('%s importing %s (%s)', async (file, specifier) => {
    const messages = await complaints(file, importing(specifier));
    expect(messages).toEqual([expect.stringMatching(/imports only from its floor or below/)]);
  });

  it('and passes the imports that go down or stay on the floor', async () => {
    expect(await complaints('lib/config/index.ts', importing('./cognito-quota'))).toEqual([]);
    expect(await complaints('lib/telemetry/cognito.ts', importing('../config/cognito-quota', './log'))).toEqual([]);
    expect(
      await complaints('lib/cognito/users.ts', importing('../config', '../errors', '../rate-limit', '../http/body')),
    ).toEqual([]);
    expect(
      await complaints(
        'lib/layers/corbado-complete/client.ts',
        importing('../../sign-in/pipeline', '../../session/cookies', '../../store'),
      ),
    ).toEqual([]);
    expect(
      await complaints('lib/readiness.ts', importing('./store', './layers', './layers/corbado-complete/client')),
    ).toEqual([]);
    expect(
      await complaints('app/login/page.tsx', importing('@/lib/readiness', '@/lib/client/api', '@/lib/errors')),
    ).toEqual([]);
  });

  it('puts the security headers beside readiness: they may ask a layer, the other HTTP modules may not', async () => {
    expect(await complaints('lib/http/security-headers.ts', importing('../layers'))).toEqual([]);
    expect(await complaints('lib/http/body.ts', importing('../layers'))).toHaveLength(1);
  });

  it('keeps lib/ and app/ free of dev tools, scripts, Lambda bundles and tests', async () => {
    for (const [file, specifier] of [
      ['lib/cognito/users.ts', '../../embedded-cognito/index'],
      ['lib/config/index.ts', '../../scripts/cognito-setup-plan'],
      ['app/login/page.tsx', '@/tests/support/config-error'],
      ['middleware.ts', './embedded-cognito/faults'],
    ]) {
      expect(await complaints(file!, importing(specifier!))).toEqual([
        expect.stringMatching(/never import dev tools, scripts, Lambda bundles or tests/),
      ]);
    }
    expect(await complaints('scripts/run.ts', importing('../lib/config', '../embedded-cognito/index'))).toEqual([]);
  });

  it('keeps the browser client free of server modules', async () => {
    expect(await complaints('lib/client/api.ts', importing('../config'))).toEqual([
      expect.stringMatching(/runs in the browser/),
    ]);
  });
});

describe('npm run lint keeps the passkey layers siblings (lib/layers/*)', () => {
  const layerFile = 'lib/layers/self-hosted/sign-in.ts';

  it.each(['../corbado-connect', '../corbado-connect/sign-in', '@/lib/layers/cognito-native/probe'])(
    'refuses a layer importing another layer: %s',
    async (specifier) => {
      expect(await complaints(layerFile, importing(specifier), 'floors/layer-siblings')).toEqual([
        expect.stringMatching(/^lib\/layers\/self-hosted is a passkey layer: it never imports another layer/),
      ]);
    },
  );

  it('lets a layer import its own folder and the floors below, and the pipeline', async () => {
    const code = importing('./webauthn', '../../sign-in/pipeline', '../layer', '@/lib/config');
    expect(await complaints(layerFile, code, 'floors/layer-siblings')).toEqual([]);
    expect(await complaints(layerFile, code)).toEqual([]);
  });

  it('puts lib/layers above the pipeline and below what asks the chosen layer', () => {
    const floorOf = (entry: string) => FLOORS.findIndex((floor) => floor.some((path) => path.startsWith(entry)));
    expect(floorOf('lib/layers')).toBeGreaterThan(floorOf('lib/sign-in'));
    expect(floorOf('lib/layers')).toBeLessThan(floorOf('lib/readiness.ts'));
  });
});

describe('docs/ARCHITECTURE.md', () => {
  it('writes down every floor the lint rule enforces, in the same order', () => {
    const whole = readFileSync(path.join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
    const doc = whole.slice(whole.indexOf('## The floors'));
    expect(doc).toMatch(/^## The floors/);
    const positions = FLOORS.map((floor) =>
      floor.map((entry) => {
        const written = entry.replace(/\/!\((.+)\)\.ts$/, '/');
        expect(doc, `docs/ARCHITECTURE.md names ${written}`).toContain(`\`${written}`);
        return doc.indexOf(`\`${written}`);
      }),
    );
    const firsts = positions.map((floor) => Math.min(...floor));
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
  });
});
