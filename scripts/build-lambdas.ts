/**
 * `npm run lambdas:build`: each trigger handler bundled into one self-contained file
 * (dist/lambdas/<name>/index.mjs) for the Node.js 20+ Lambda runtime, no runtime dependencies.
 */
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import path from 'node:path';

const LAMBDA_HANDLERS = ['define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge'] as const;

async function main(): Promise<void> {
  const outRoot = path.resolve(process.argv[2] ?? 'dist/lambdas');
  for (const name of LAMBDA_HANDLERS) {
    const outfile = path.join(outRoot, name, 'index.mjs');
    await build({
      entryPoints: [path.resolve('lambdas', `${name}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      minify: true,
      legalComments: 'none',
      logLevel: 'warning',
    });
    console.log(`${name}: ${outfile} (${(statSync(outfile).size / 1024).toFixed(1)} KB)`);
  }
}

main().catch((error: Error) => {
  console.error(`Lambda build failed: ${error.message}`);
  process.exit(1);
});
