import { startCorbadoCloud, type CorbadoCloud } from './corbado-cloud';
import { startOnFreePort, startTestApp, type TestApp } from './stack';

/**
 * The production Next server on the embedded Cognito, in Corbado Connect mode, against the
 * local stand-in of Corbado's cloud (tests/support/corbado-cloud/: Frontend API v2 for the real
 * browser component, Backend API verifySignedData and connectTokens; Corbado's cloud cannot be
 * reached from the tests). The stand-in calls the app's Actions with ACTIONS_SECRET.
 */

export const ACTIONS_SECRET = 'connect-actions-secret-0123456789abcdefghij';

export interface ConnectTestStack {
  app: TestApp;
  cloud: CorbadoCloud;
  stop(): Promise<void>;
}

export async function startConnectTestStack(extraEnv: Record<string, string> = {}): Promise<ConnectTestStack> {
  // The stand-in must know the app's origin before the app starts: both start again on another
  // port when another process takes this one first.
  const { app, cloud } = await startOnFreePort(async (port) => {
    const appOrigin = `http://localhost:${port}`;
    const cloud = await startCorbadoCloud({ appOrigin, actions: { baseUrl: appOrigin, secret: ACTIONS_SECRET } });
    try {
      const app = await startTestApp(
        {
          CORBADO_PROJECT_ID: cloud.projectId,
          CORBADO_API_SECRET: cloud.apiSecret,
          CORBADO_FRONTEND_API: cloud.frontendApi,
          CORBADO_BACKEND_API: cloud.backendApi,
          CORBADO_ACTIONS_SECRET: ACTIONS_SECRET,
          ...extraEnv,
        },
        { port },
      );
      return { app, cloud };
    } catch (error) {
      await cloud.close();
      throw error;
    }
  });
  return {
    app,
    cloud,
    async stop() {
      if (process.env.DEBUG_APP_OUTPUT) console.log(app.output());
      await app.stop();
      await cloud.close();
    },
  };
}
