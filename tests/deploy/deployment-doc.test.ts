import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** docs/DEPLOYMENT.md promises every environment variable and every stack option: kept true here. */
const doc = readFileSync(path.resolve('docs/DEPLOYMENT.md'), 'utf8');

describe('docs/DEPLOYMENT.md', () => {
  it('lists every environment variable lib/config.ts reads', () => {
    const config = readFileSync(path.resolve('lib/config/index.ts'), 'utf8');
    const variables = [...config.matchAll(/(?:read|required|parseSeconds)\(\s*env,\s*'([A-Z][A-Z0-9_]+)'/g)].map(
      (m) => m[1]!,
    );
    expect(variables).toEqual(
      expect.arrayContaining(['COGNITO_USER_POOL_ID', 'AUTH_CHALLENGE_PRIVATE_KEY', 'SESSION_SECRET']),
    );
    const missing = [...new Set(variables)].filter((name) => !doc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('documents every context option the CDK app reads', () => {
    const settings = readFileSync(path.resolve('infra/lib/settings.ts'), 'utf8');
    const keys = [...settings.matchAll(/(?:text|whole|flag)\(context, '([A-Za-z]+)'/g)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(5);
    expect([...new Set(keys)].filter((key) => !doc.includes(`\`${key}\``))).toEqual([]);
  });
});
