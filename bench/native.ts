import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { configureNativePasskeys } from '../embedded-cognito/native-pool';
import { CookieJar, jsonPost } from '../tests/support/cookie-jar';
import { latestCognitoCode } from '../tests/support/native-pool';
import { SoftAuthenticator } from '../tests/support/soft-authenticator';
import { startTestApp } from '../tests/support/stack';
import { summarize } from './stats';

/**
 * Cognito's own passkeys (PASSKEY_LAYER=cognito-native) on the production server against the
 * embedded Cognito, which verifies the passkey for real: what one returning passkey sign-in costs
 * in calls to Cognito (the emulator's counters: AdminInitiateAuth for the options,
 * AdminRespondToAuthChallenge for the answer) and its latency at the app (both POSTs; the
 * browser's WebAuthn time is not the app's).
 */

export interface NativeCosts {
  logins: number;
  returningLogin: { cognitoCallsPerLogin: number; latencyMs: { median: number; p95: number } };
}

const sum = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

async function expectStatus(response: Response, status: number, what: string): Promise<unknown> {
  if (response.status !== status) throw new Error(`${what}: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function measureNativeCosts(logins: number): Promise<NativeCosts> {
  const app = await startTestApp({ PASSKEY_LAYER: 'cognito-native' });
  try {
    await configureNativePasskeys(app.sdk, app.cognito, 'localhost');
    const url = (route: string) => `${app.baseUrl}${route}`;
    const email = 'bench.native@example.com';
    const jar = new CookieJar();
    await expectStatus(await jar.fetch(url('/api/auth/native/email-code'), jsonPost({ email })), 202, 'code');
    const code = latestCognitoCode(app.dataDir, email);
    await expectStatus(
      await jar.fetch(url('/api/auth/native/email-code/verify'), jsonPost({ email, code })),
      200,
      'code sign-in',
    );
    const authenticator = new SoftAuthenticator(app.baseUrl);
    const { options: creation } = (await expectStatus(
      await jar.fetch(url('/api/account/native-passkeys/options'), { method: 'POST' }),
      200,
      'registration options',
    )) as { options: PublicKeyCredentialCreationOptionsJSON };
    await expectStatus(
      await jar.fetch(url('/api/account/native-passkeys'), jsonPost({ response: authenticator.register(creation) })),
      201,
      'registration',
    );

    const times: number[] = [];
    let cognitoCalls = 0;
    for (let i = 0; i < logins; i++) {
      const login = new CookieJar();
      const cognitoBefore = sum(app.cognito.calls);
      let started = performance.now();
      const { options } = (await expectStatus(
        await login.fetch(url('/api/auth/native/passkey/options'), jsonPost({ email })),
        200,
        'sign-in options',
      )) as { options: PublicKeyCredentialRequestOptionsJSON };
      let elapsed = performance.now() - started;
      // The authenticator's signing is the browser's time, not the app's: outside the clock.
      const response = authenticator.authenticate(options);
      started = performance.now();
      await expectStatus(
        await login.fetch(url('/api/auth/native/passkey'), jsonPost({ email, response })),
        200,
        'passkey sign-in',
      );
      elapsed += performance.now() - started;
      times.push(elapsed);
      cognitoCalls += sum(app.cognito.calls) - cognitoBefore;
    }
    const latency = summarize(times);
    return {
      logins,
      returningLogin: {
        cognitoCallsPerLogin: cognitoCalls / logins,
        latencyMs: { median: latency.median, p95: latency.p95 },
      },
    };
  } finally {
    await app.stop();
  }
}
