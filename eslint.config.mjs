// ESLint (flat config): Next.js's own rules (core-web-vitals, with the React hooks rules),
// typescript-eslint's recommended rules, and eslint-config-prettier last so that no lint rule
// argues with the formatter. `npm run lint` runs it; .ci/run fails on any error.
import prettier from 'eslint-config-prettier';
import nextCoreWebVitals from 'eslint-config-next/core-web-vitals';
import nextTypescript from 'eslint-config-next/typescript';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '.next/**',
      'node_modules/**',
      '.data/**',
      'dist/**',
      'test-results/**',
      'infra/node_modules/**',
      'infra/cdk.out/**',
      'coverage/**',
      'next-env.d.ts',
    ],
  },
  // eslint-config-next 16 ships flat configs (its 15.x eslintrc form needed FlatCompat).
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    // The files Next's config registers its plugins for (react-hooks among them).
    files: ['**/*.{js,jsx,mjs,ts,tsx,mts,cts}'],
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
    // Rules new in eslint-config-next 16 (React Compiler's hooks rules, Next's navigation rule),
    // held back only where the code does on purpose what they flag, so they guard new code:
    // - these effects run once after hydration by design (a browser capability the server cannot
    //   know, and an action resumed after "Confirm it's you"), so setting state there is the point.
    files: ['app/login/passkey-sign-in.tsx', 'app/account/passkey-manager.tsx'],
    rules: { 'react-hooks/set-state-in-effect': 'off' },
  },
  {
    // Signing out navigates with a full page load, so no client state of the session survives.
    files: ['app/account/sign-out-button.tsx', 'app/account/corbado-passkeys.tsx'],
    rules: { '@next/next/no-location-assign-relative-destination': 'off' },
  },
  {
    // infra/ (its own package, type-checked by its own tsconfig in .ci/run) is linted here too. Its
    // tests read synthesized CloudFormation, untyped JSON, by path.
    files: ['infra/test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // CommonJS on purpose (bundler loaders, scripts/build/): require() is how these import.
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
