// ESLint (flat config): Next.js's own rules (core-web-vitals, with the React hooks rules),
// typescript-eslint's recommended rules, and eslint-config-prettier last so that no lint rule
// argues with the formatter. `npm run lint` runs it; .ci/run fails on any error.
import { existsSync } from 'node:fs';
import path from 'node:path';
import prettier from 'eslint-config-prettier';
import nextCoreWebVitals from 'eslint-config-next/core-web-vitals';
import nextTypescript from 'eslint-config-next/typescript';
import tseslint from 'typescript-eslint';

/**
 * The floors (docs/ARCHITECTURE.md), from the bottom. A module imports from its own floor or below;
 * `import/no-restricted-paths` refuses an import that runs back up, so `npm run lint` fails on it
 * (tests/unit/floors.test.ts proves it). Paths that do not exist yet (lib/layers/) hold already.
 */
export const FLOORS = [
  // 1. AppError and the code table: depends on nothing.
  ['lib/errors.ts'],
  // 2. The configuration, parsed once, with its own defaults (the Cognito quota table).
  ['lib/config'],
  // 3. Logs, metrics, traces, the audit trail.
  ['lib/telemetry'],
  // 4. HTTP basics: read a request, map an AppError to a response.
  ['lib/http/!(security-headers).ts'],
  // 5. The services: the store, rate limits, Cognito, sessions, email codes (siblings; no cycles).
  ['lib/store', 'lib/rate-limit', 'lib/cognito', 'lib/session', 'lib/email'],
  // 6. The sign-in pipeline's shared steps: verified identity -> Cognito user -> tokens -> cookies.
  ['lib/sign-in'],
  // 7. The passkey layers, each in its own folder, feeding the pipeline.
  ['lib/layers'],
  // 8. What asks the chosen layer: readiness (its probe) and the security headers (its origins).
  ['lib/readiness.ts', 'lib/http/security-headers.ts'],
  // 9. The app: pages and routes, middleware, instrumentation, and the browser's API client.
  ['app', 'middleware.ts', 'instrumentation.ts', 'lib/client'],
];

/** Development tools, CLI code, Lambda bundles and tests import lib/; lib/ and app/ never import them. */
const OUTSIDE_THE_APP = ['lambdas', 'embedded-cognito', 'scripts', 'bench', 'tests', 'infra'];

const isGlob = (entry) => /[*?!(]/.test(entry);
const asPath = (entry) => (isGlob(entry) ? entry : `./${entry}`);
// A zone's `from` takes plain paths only here: a glob entry stands for its whole folder, which
// sits at that floor or above.
const asFrom = (entry) => `./${isGlob(entry) ? path.dirname(entry) : entry}`;

const floorZones = FLOORS.flatMap((floor, level) => {
  const message = (target) =>
    `${target} is on floor ${level + 1}: it imports only from its floor or below (docs/ARCHITECTURE.md).`;
  const above = FLOORS.slice(level + 1).flat();
  const barred = [...new Set(above.map(asFrom))];
  return barred.length > 0
    ? floor.map((target) => ({ target: asPath(target), from: barred, message: message(target) }))
    : [];
});

/**
 * lib/layers/<one>/ never imports lib/layers/<another>/: the layers are siblings behind one
 * interface. Files at lib/layers/ itself (the interface, the selection) are shared, not a layer.
 */
const layerSiblings = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      sibling:
        'lib/layers/{{from}} is a passkey layer: it never imports another layer (lib/layers/{{to}}); share through lib/layers/*.ts or a floor below.',
    },
  },
  create(context) {
    const layers = path.resolve(context.cwd, 'lib/layers');
    const layerOf = (file) => {
      const parts = path.relative(layers, file).split(path.sep);
      if (parts[0] === '' || parts[0] === '..' || path.isAbsolute(parts[0])) return null;
      if (parts.length > 1) return parts[0];
      const isFile = /\.[cm]?[jt]sx?$/.test(parts[0]) || ['.ts', '.tsx'].some((ext) => existsSync(file + ext));
      return isFile ? null : parts[0];
    };
    const from = layerOf(context.filename);
    if (!from) return {};
    const check = (node) => {
      const specifier = node.source?.value;
      if (typeof specifier !== 'string') return;
      const target = specifier.startsWith('@/')
        ? path.resolve(context.cwd, specifier.slice(2))
        : specifier.startsWith('.')
          ? path.resolve(path.dirname(context.filename), specifier)
          : null;
      const to = target && layerOf(target);
      if (to && to !== from) context.report({ node: node.source, messageId: 'sibling', data: { from, to } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

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
  {
    files: ['**/*.{js,jsx,mjs,ts,tsx,mts,cts}'],
    plugins: { floors: { rules: { 'layer-siblings': layerSiblings } } },
    rules: {
      'import/no-restricted-paths': [
        'error',
        {
          zones: [
            ...floorZones,
            {
              target: ['./lib', './app', './middleware.ts', './instrumentation.ts'],
              from: OUTSIDE_THE_APP.map(asPath),
              message:
                'lib/ and app/ are what the app runs: they never import dev tools, scripts, Lambda bundles or tests.',
            },
            {
              target: './lib/client',
              from: './lib',
              except: ['./client'],
              message: 'lib/client/ runs in the browser: it imports nothing else from lib/.',
            },
          ],
        },
      ],
      'floors/layer-siblings': 'error',
    },
  },
  prettier,
);
