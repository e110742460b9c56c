import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '@/lib/config';

/**
 * docs/DEPLOYMENT.md promises every environment variable and every stack option, and .env.example
 * lists every variable with a comment: kept true here. The variables are read from the
 * configuration's schema itself (the keys of its sections), so a new one cannot go unlisted.
 */
const doc = readFileSync(path.resolve('docs/DEPLOYMENT.md'), 'utf8');
const variableTable = /\n## Environment variables\n([\s\S]*?)\n## /.exec(doc)?.[1] ?? '';
const envExample = readFileSync(path.resolve('.env.example'), 'utf8').split('\n');

describe('the environment variables', () => {
  it('are read from the configuration schema, all of them', () => {
    expect(CONFIG_VARIABLES).toEqual(
      expect.arrayContaining([
        'COGNITO_USER_POOL_ID',
        'AUTH_CHALLENGE_PRIVATE_KEY',
        'SESSION_SECRET',
        'EMAIL_OUTBOX_IN_PRODUCTION',
        'TEST_ONLY_SESSION_GATE_OFF',
        'COGNITO_QUOTA_USER_AUTHENTICATION',
        'COGNITO_QUOTA_USER_TOKEN',
        'COGNITO_QUOTA_MAX_WAIT_MS',
        'PASSKEY_LAYER',
      ]),
    );
    expect(new Set(CONFIG_VARIABLES).size).toBe(CONFIG_VARIABLES.length);
  });

  it("are each a row of docs/DEPLOYMENT.md's variable table", () => {
    expect(variableTable).toContain('| variable |');
    expect(CONFIG_VARIABLES.filter((name) => !variableTable.includes(`\`${name}\``))).toEqual([]);
  });

  it('are each in .env.example, under a comment that says what it is', () => {
    const assignment = (line: string) => /^#? ?[A-Z][A-Z0-9_]*=/.test(line);
    const undocumented = CONFIG_VARIABLES.filter((name) => {
      let line = envExample.findIndex((text) => new RegExp(`^#? ?${name}=`).test(text));
      if (line < 0) return true;
      // A group of variables may share the comment above its first line.
      while (line > 0 && assignment(envExample[line - 1]!)) line -= 1;
      return !envExample[line - 1]?.startsWith('# ');
    });
    expect(undocumented).toEqual([]);
  });
});

describe('docs/DEPLOYMENT.md', () => {
  it('documents every context option the CDK app reads', () => {
    const settings = readFileSync(path.resolve('infra/lib/settings.ts'), 'utf8');
    const keys = [...settings.matchAll(/(?:text|whole|flag)\(context, '([A-Za-z]+)'/g)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(5);
    expect([...new Set(keys)].filter((key) => !doc.includes(`\`${key}\``))).toEqual([]);
  });
});
