import { ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { startTestBackendApi, type TestBackendApi } from './corbado-backend-api';
import { startTestFrontendApi, type TestFrontendApi } from './corbado-frontend-api';
import { startTestApp, type TestApp } from './stack';

/**
 * The production Next server on the embedded Cognito, in Corbado Complete (legacy) mode: CORBADO_FRONTEND_API
 * points at a local JWKS server and CORBADO_BACKEND_API at a local Backend API, because
 * Corbado's cloud cannot be reached from the tests. The real @corbado/node-sdk does the rest.
 */

export const PROJECT_ID = 'pro-1234567890';
export const API_SECRET = 'corbado1_testsecretTESTSECRETtestsecret0123';
export const WEBHOOK_USERNAME = 'corbado-webhook';
export const WEBHOOK_PASSWORD = 'webhook-password-0123456789abcdef';

export interface CorbadoTestStack {
  app: TestApp;
  frontend: TestFrontendApi;
  backend: TestBackendApi;
  stop(): Promise<void>;
}

export async function startCorbadoTestStack(): Promise<CorbadoTestStack> {
  const frontend = await startTestFrontendApi();
  const backend = await startTestBackendApi(PROJECT_ID, API_SECRET);
  const app = await startTestApp({
    CORBADO_MODE: 'complete',
    CORBADO_PROJECT_ID: PROJECT_ID,
    CORBADO_API_SECRET: API_SECRET,
    CORBADO_FRONTEND_API: frontend.origin,
    CORBADO_BACKEND_API: backend.origin,
    CORBADO_WEBHOOK_USERNAME: WEBHOOK_USERNAME,
    CORBADO_WEBHOOK_PASSWORD: WEBHOOK_PASSWORD,
  });
  return {
    app,
    frontend,
    backend,
    async stop() {
      if (process.env.DEBUG_APP_OUTPUT) console.log(app.output());
      await app.stop();
      await frontend.stop();
      await backend.stop();
    },
  };
}

/** Cognito operations answered by the emulator while `run` ran, by name. */
export async function cognitoCallsDuring(app: TestApp, run: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = new Map(app.cognito.calls);
  await run();
  const during: Record<string, number> = {};
  for (const [operation, count] of app.cognito.calls) {
    const added = count - (before.get(operation) ?? 0);
    if (added > 0) during[operation] = added;
  }
  return during;
}

/** Every user of the pool with every attribute, status and flag: equal snapshots mean nothing changed. */
export async function poolSnapshot(app: TestApp): Promise<string> {
  const { Users = [] } = await app.sdk.send(new ListUsersCommand({ UserPoolId: app.cognito.userPoolId }));
  return JSON.stringify(
    Users.map((user) => ({
      username: user.Username,
      status: user.UserStatus,
      enabled: user.Enabled,
      modified: user.UserLastModifiedDate?.toISOString(),
      attributes: Object.fromEntries((user.Attributes ?? []).map((a) => [a.Name, a.Value]).sort()),
    })).sort((a, b) => String(a.username).localeCompare(String(b.username))),
  );
}

/** The `audit: true` log lines the server printed for `event`. */
export function auditLines(app: TestApp, event: string): Array<Record<string, unknown>> {
  return app
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    })
    .filter((entry) => entry.audit === true && entry.event === event);
}
