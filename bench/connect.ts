import { ConnectClient } from '../tests/support/corbado-cloud/client';
import { startConnectTestStack } from '../tests/support/connect-stack';
import { CookieJar, jsonPost } from '../tests/support/cookie-jar';
import { SoftAuthenticator } from '../tests/support/soft-authenticator';
import { addPasswordUser } from '../tests/support/users';
import { summarize } from './stats';

/**
 * Corbado Connect on the production server against the local stand-in of Corbado's cloud
 * (tests/support/corbado-cloud): what one append token and one returning passkey login cost in
 * calls to Cognito (the embedded emulator's counters) and to Corbado's Backend API (the
 * stand-in's log), and the login's latency at the app (POST /api/corbado/connect/sign-in only:
 * the browser's WebAuthn and Frontend API time are not the app's).
 */

export interface ConnectCosts {
  logins: number;
  appendToken: { backendCalls: number };
  returningLogin: {
    cognitoCallsPerLogin: number;
    backendCallsPerLogin: number;
    latencyMs: { median: number; p95: number };
  };
}

const sum = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

export async function measureConnectCosts(logins: number): Promise<ConnectCosts> {
  const stack = await startConnectTestStack();
  try {
    const { app, cloud } = stack;
    const url = (path: string) => `${app.baseUrl}${path}`;
    const email = 'bench.connect@example.com';
    const password = 'Bench-passw0rd!';
    await addPasswordUser(app, email, password);
    const jar = new CookieJar();
    if ((await jar.fetch(url('/api/auth/password'), jsonPost({ email, password }))).status !== 200)
      throw new Error('password sign-in failed');

    const backendBefore = cloud.backendCalls().length;
    const tokenResponse = await jar.fetch(url('/api/corbado/connect/tokens'), jsonPost({ type: 'passkey-append' }));
    if (tokenResponse.status !== 200) throw new Error(`append token: ${tokenResponse.status}`);
    const appendTokenCalls = cloud.backendCalls().length - backendBefore;
    const authenticator = new SoftAuthenticator(app.baseUrl);
    const appended = await new ConnectClient(cloud, app.baseUrl).appendPasskey(
      authenticator,
      ((await tokenResponse.json()) as { token: string }).token,
    );
    if (appended.status !== 200) throw new Error(`append: ${appended.status}`);

    const times: number[] = [];
    let cognitoCalls = 0;
    let backendCalls = 0;
    for (let i = 0; i < logins; i++) {
      const proof = await new ConnectClient(cloud, app.baseUrl).loginWithPasskey(authenticator, email);
      if (proof.status !== 200) throw new Error(`login at the stand-in: ${proof.status}`);
      const signedPasskeyData = (proof.body as { session: string }).session;
      const cognitoBefore = sum(app.cognito.calls);
      const backendBeforeLogin = cloud.backendCalls().length;
      const started = performance.now();
      const response = await fetch(
        url('/api/corbado/connect/sign-in'),
        jsonPost({ signedPasskeyData }, { origin: app.baseUrl }),
      );
      times.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`sign-in: ${response.status}`);
      await response.body?.cancel();
      cognitoCalls += sum(app.cognito.calls) - cognitoBefore;
      backendCalls += cloud.backendCalls().length - backendBeforeLogin;
    }
    const latency = summarize(times);
    return {
      logins,
      appendToken: { backendCalls: appendTokenCalls },
      returningLogin: {
        cognitoCallsPerLogin: cognitoCalls / logins,
        backendCallsPerLogin: backendCalls / logins,
        latencyMs: { median: latency.median, p95: latency.p95 },
      },
    };
  } finally {
    await stack.stop();
  }
}
