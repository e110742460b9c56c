import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/**
 * Corrections to Corbado Connect's bundled component, which has no option for them (the why of
 * each is in scripts/build/corbado-connect-patch.cjs), applied by Turbopack, which both
 * `next dev` and `next build` use from Next 16 on.
 */
const corbadoConnectLoader = require.resolve('./scripts/build/corbado-connect-loader.cjs');

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Required at run time, not bundled: the OpenTelemetry SDK (loaded by instrumentation.ts only
  // when OTEL_* asks for it) carries gRPC and protobuf code webpack need not see, and one copy of
  // the API serves Next's own spans and the app's (lib/telemetry/).
  serverExternalPackages: ['@opentelemetry/api', '@opentelemetry/sdk-node'],
  // The build checks the app's own types; `npm test` checks everything, tests and scripts included.
  typescript: { tsconfigPath: 'tsconfig.next.json' },
  // `npm run dev` compiles the first pages before it gives the address (scripts/dev-warm-up.ts);
  // by default Next would drop them again after a minute unused (and keep only 5), so a newcomer
  // reading the code in the terminal waited on a second compile. Keep them for the session.
  onDemandEntries: { maxInactiveAge: 60 * 60 * 1000, pagesBufferLength: 50 },
  turbopack: {
    rules: {
      '**/@corbado/connect-react/dist/index.js': { loaders: [corbadoConnectLoader] },
      '**/@corbado/connect-react/node_modules/@corbado/web-core/dist/index.js': { loaders: [corbadoConnectLoader] },
    },
  },
  // middleware.ts sets the security headers on every answer it sees; its matcher skips the static
  // files below, so they get here what docs/SECURITY.md promises for every answer. Their own
  // caching stays, and a policy that allows nothing (they are no documents). No HSTS: this is
  // evaluated at build time, before APP_ORIGIN says whether the site is https.
  async headers() {
    const staticFileHeaders = [
      { key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'" },
      { key: 'X-Frame-Options', value: 'DENY' },
      { key: 'X-Content-Type-Options', value: 'nosniff' },
      { key: 'Referrer-Policy', value: 'same-origin' },
      { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
      { key: 'Cross-Origin-Resource-Policy', value: 'same-origin' },
    ];
    return ['/_next/static/:path*', '/_next/image', '/favicon.ico', '/robots.txt'].map((source) => ({
      source,
      headers: staticFileHeaders,
    }));
  },
  // The container image runs `node .next/standalone/server.js` (Dockerfile builds with
  // NEXT_OUTPUT=standalone); `npm run build` + `npm start` keep the regular output, which
  // `next start` needs.
  ...(process.env.NEXT_OUTPUT === 'standalone'
    ? {
        output: 'standalone',
        // Next's server trace pulls in the TypeScript compiler (for next.config.ts, unused here): a
        // dev dependency the image must not carry.
        outputFileTracingExcludes: { '*': ['node_modules/typescript/**'] },
      }
    : {}),
};

export default nextConfig;
