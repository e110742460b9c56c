// ESLint (flat config): Next.js's own rules (core-web-vitals, with the React hooks rules),
// typescript-eslint's recommended rules, and eslint-config-prettier last so that no lint rule
// argues with the formatter. `npm run lint` runs it; .ci/run fails on any error.
import { FlatCompat } from '@eslint/eslintrc';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const compat = new FlatCompat({ baseDirectory: import.meta.dirname });

export default tseslint.config(
  {
    ignores: [
      '.next/**',
      'node_modules/**',
      '.data/**',
      'dist/**',
      'test-results/**',
      'infra/**',
      'coverage/**',
      'next-env.d.ts',
    ],
  },
  ...compat.extends('next/core-web-vitals', 'next/typescript'),
  {
    rules: {
      // Hooks that close over stale values are bugs here, not style.
      'react-hooks/exhaustive-deps': 'error',
      // `_name` marks a parameter kept for its position (route handler signatures, callbacks).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // CommonJS on purpose (bundler loaders, lib/build/): require() is how these import.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Browser tests act as a person does (tests/support/person.ts): fill() replaces a field's
    // value behind the page's back, so a field that keeps stale text or refuses keys still
    // "works" in the test while a person is stuck (issue 20).
    files: ['tests/browser/**', 'tests/support/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='fill']",
          message: 'A person types: use typeInto / typeInField / pasteInto from tests/support/person.ts, not fill().',
        },
      ],
    },
  },
  prettier,
);
