/**
 * `npm run dev:connect`: Corbado Connect mode on this machine, with no Corbado account. Starts the
 * local stand-in of Corbado's cloud (tests/support/corbado-cloud: Frontend API on
 * https://pro-1000000001.localhost:8443, Backend API on http://127.0.0.1:8444, its Actions calling
 * the app), then `npm run dev` on http://localhost:3000 pointed at it, on the embedded Cognito in
 * its own data folder (.data/connect). A demo and a test aid, never a production setup.
 *
 * Other ports, to run it beside another app: PORT (the app), CORBADO_FRONTEND_PORT,
 * CORBADO_BACKEND_PORT (the stand-in), COGNITO_LOCAL_PORT (the embedded Cognito).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startCorbadoCloud } from '../tests/support/corbado-cloud';

function port(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    console.error(`${name} must be a port number (1-65535), not ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return value;
}

const APP_PORT = port('PORT', 3000);
const FRONTEND_PORT = port('CORBADO_FRONTEND_PORT', 8443);
const BACKEND_PORT = port('CORBADO_BACKEND_PORT', 8444);
const PROJECT_ID = 'pro-1000000001';
/** Fixed so the app's environment and the stand-in agree across restarts; local only. */
const API_SECRET = 'corbado1_local-stand-in-api-secret';
const ACTIONS_SECRET = 'local-stand-in-actions-secret-0123456789';

async function main(): Promise<void> {
  const appOrigin = `http://localhost:${APP_PORT}`;
  const dataDir = process.env.DATA_DIR?.trim() || path.join('.data', 'connect');
  const cloud = await startCorbadoCloud({
    appOrigin,
    actions: { baseUrl: appOrigin, secret: ACTIONS_SECRET },
    host: 'localhost',
    port: FRONTEND_PORT,
    backendPort: BACKEND_PORT,
    tlsDir: path.join(dataDir, 'corbado-cloud'),
    projectId: PROJECT_ID,
    apiSecret: API_SECRET,
  });
  console.log(
    [
      'Corbado Connect mode against the local stand-in of Corbado’s cloud.',
      `  1. Once per browser profile, open ${cloud.frontendApi}/ and accept its self-signed certificate`,
      '     (or start Chromium with: ' + cloud.chromiumArgs.join(' ') + ').',
      `  2. Open ${appOrigin}/login. Email codes appear in this terminal and in ${path.join(dataDir, 'outbox.jsonl')}.`,
      '  The stand-in keeps its passkeys in memory: a restart forgets them (the Cognito users stay).',
    ].join('\n'),
  );
  const dev = spawn(
    process.execPath,
    [
      path.resolve('node_modules/tsx/dist/cli.mjs'),
      '--conditions=react-server',
      'scripts/run.ts',
      'dev',
      '-p',
      String(APP_PORT),
    ],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        APP_ORIGIN: appOrigin,
        CORBADO_PROJECT_ID: cloud.projectId,
        CORBADO_API_SECRET: cloud.apiSecret,
        CORBADO_FRONTEND_API: cloud.frontendApi,
        CORBADO_BACKEND_API: cloud.backendApi,
        CORBADO_ACTIONS_SECRET: ACTIONS_SECRET,
      },
    },
  );
  const stop = () => dev.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  dev.on('exit', (code) => {
    void cloud.close().finally(() => process.exit(code ?? 0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
