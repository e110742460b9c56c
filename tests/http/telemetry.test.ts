import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import {
  otelEnvironment,
  startOtlpCollector,
  type CollectedPoint,
  type CollectedSpan,
  type OtlpCollector,
} from '../support/otlp-collector';
import { setIdTokenLifetime, startTestApp, type TestApp } from '../support/stack';
import { addPasswordUser } from '../support/users';

/**
 * OpenTelemetry end to end: the production server, switched on by nothing but the standard
 * OTEL_* variables, exports over OTLP/HTTP to a collector this test runs (real HTTP, OTLP JSON),
 * while it serves sign-ins against the embedded Cognito. What arrives must show each sign-in as
 * one trace: Next's request span, the app's `sign_in` span, the pipeline's steps, and every
 * Cognito and store call below them; and the metrics the operators' dashboards read.
 */

let app: TestApp;
let collector: OtlpCollector;
const SERVICE = 'cognito-passkeys-telemetry-test';
const existing = { email: 'existing@example.com', password: 'Correct-horse-8' };

beforeAll(async () => {
  collector = await startOtlpCollector();
  app = await startTestApp(otelEnvironment(collector, SERVICE));
  await addPasswordUser(app, existing.email, existing.password);
});
afterAll(async () => {
  await app?.stop();
  await collector?.close();
});

const url = (route: string) => `${app.baseUrl}${route}`;

function latestCodeFor(email: string): string {
  const file = path.join(app.dataDir, 'outbox.jsonl');
  const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
  const message = lines
    .map((line) => JSON.parse(line) as { to: string; subject: string })
    .filter((entry) => entry.to === email)
    .at(-1);
  const code = message && /^Your sign-in code: (\d+)$/.exec(message.subject)?.[1];
  if (!code) throw new Error(`no code for ${email} in the outbox`);
  return code;
}

/** The spans below `root` in its trace, depth first. */
function descendants(root: CollectedSpan): CollectedSpan[] {
  const inTrace = collector.spans().filter((span) => span.traceId === root.traceId);
  const below = (parent: CollectedSpan): CollectedSpan[] =>
    inTrace.filter((span) => span.parentSpanId === parent.spanId).flatMap((child) => [child, ...below(child)]);
  return below(root);
}

/** The chain of spans above `span` in its trace, nearest first (to the first with no parent here). */
function ancestors(span: CollectedSpan): CollectedSpan[] {
  const parent = collector
    .spans()
    .find((candidate) => candidate.traceId === span.traceId && candidate.spanId === span.parentSpanId);
  return parent ? [parent, ...ancestors(parent)] : [];
}

/**
 * Next 16's spans for a POST to `route`: the request span at the top, named after the method and
 * carrying the request target, and right below it the route handler's span, `POST <route>`, with
 * the route in `http.route`, the attribute OpenTelemetry's HTTP conventions name it by.
 */
async function expectRequestSpans(root: CollectedSpan, route: string): Promise<void> {
  expect(root.attributes['http.target']).toBe(route);
  const handler = () =>
    collector
      .spans()
      .find(
        (span) => span.traceId === root.traceId && span.parentSpanId === root.spanId && span.name === `POST ${route}`,
      );
  await collector.waitFor(() => handler() !== undefined);
  expect(handler()!.attributes['http.route']).toBe(route);
}

/** The one span of `name` whose attributes include `attributes`, once exported. */
async function exportedSpan(name: string, attributes: Record<string, unknown>): Promise<CollectedSpan> {
  const matches = () =>
    collector
      .spans()
      .filter(
        (span) =>
          span.name === name && Object.entries(attributes).every(([key, value]) => span.attributes[key] === value),
      );
  await collector.waitFor(() => matches().length > 0);
  expect(matches()).toHaveLength(1);
  return matches()[0]!;
}

/** The newest exported point of `metric` whose attributes include `attributes`. */
const point = (metric: string, attributes: Record<string, unknown>): CollectedPoint | undefined =>
  collector
    .points()
    .find(
      (p) => p.metric === metric && Object.entries(attributes).every(([key, value]) => p.attributes[key] === value),
    );

async function metricValue(
  metric: string,
  attributes: Record<string, unknown>,
  atLeast: number,
): Promise<CollectedPoint> {
  await collector.waitFor(() => (point(metric, attributes)?.value ?? 0) >= atLeast);
  return point(metric, attributes)!;
}

const names = (spans: CollectedSpan[]) => spans.map((span) => span.name);

/** The app's JSON log lines for one request id. */
function logLines(requestId: string): Record<string, unknown>[] {
  return app
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.requestId === requestId);
}

describe('telemetry switched on by OTEL_* variables', () => {
  it('exports one email-code sign-in of a new user as one trace, with its Cognito and store calls, and counts it', async () => {
    const email = 'new-user@example.com';
    expect((await new CookieJar().fetch(url('/api/auth/email-code'), jsonPost({ email }))).status).toBe(202);
    const jar = new CookieJar();
    const verified = await jar.fetch(
      url('/api/auth/email-code/verify'),
      jsonPost({ email, code: latestCodeFor(email) }),
    );
    expect(verified.status).toBe(200);

    const signIn = await exportedSpan('sign_in', { 'auth.method': 'email_code' });
    expect(signIn.attributes['auth.outcome']).toBe('success');
    expect(signIn.resource['service.name']).toBe(SERVICE);

    // Next's own request span is the trace's root, and the app's span sits below it.
    await collector.waitFor(() => ancestors(signIn).at(-1)?.parentSpanId === '');
    await expectRequestSpans(ancestors(signIn).at(-1)!, '/api/auth/email-code/verify');

    // A new user: CUSTOM_AUTH finds nobody, the user is provisioned, CUSTOM_AUTH again, cookies.
    const steps = descendants(signIn);
    const children = steps.filter((span) => span.parentSpanId === signIn.spanId);
    expect(names(children)).toEqual([
      'store.tryEmailCode',
      'sign_in.custom_auth',
      'sign_in.provision',
      'sign_in.custom_auth',
      'sign_in.session',
      'store.finishEmailCode',
    ]);
    expect(children.find((span) => span.name === 'store.tryEmailCode')!.attributes['db.system.name']).toBe('dynamodb');

    const cognito = steps.filter((span) => span.name.startsWith('cognito.'));
    expect(new Set(names(cognito))).toEqual(
      new Set([
        'cognito.AdminInitiateAuth',
        'cognito.AdminRespondToAuthChallenge',
        'cognito.AdminCreateUser',
        'cognito.AdminSetUserPassword',
      ]),
    );
    for (const span of cognito) {
      expect(span.attributes['rpc.service']).toBe('CognitoIdentityProvider');
      expect(span.attributes['rpc.method']).toBe(span.name.slice('cognito.'.length));
      expect(span.attributes['aws.attempts']).toBe(1);
    }
    const category = (name: string) => cognito.find((span) => span.name === name)!.attributes['cognito.quota_category'];
    expect(category('cognito.AdminInitiateAuth')).toBe('UserAuthentication');
    expect(category('cognito.AdminCreateUser')).toBe('UserCreation');
    expect(category('cognito.AdminSetUserPassword')).toBe('UserUpdate');

    expect(
      (await metricValue('auth.sign_ins', { 'auth.method': 'email_code', 'auth.outcome': 'success' }, 1)).value,
    ).toBe(1);
    const durations = await metricValue(
      'cognito.client.duration',
      { 'rpc.method': 'AdminCreateUser', 'cognito.quota_category': 'UserCreation' },
      1,
    );
    expect(durations.value).toBe(1);
    expect(durations.sum).toBeGreaterThan(0);
    expect(durations.sum).toBeLessThan(10);
  });

  it('counts a wrong code as a failed sign-in, and a refused code request as a rate-limit refusal', async () => {
    const email = 'limited@example.com';
    // Five codes per email every 15 minutes; the sixth request is refused.
    for (let i = 0; i < 5; i++)
      expect((await new CookieJar().fetch(url('/api/auth/email-code'), jsonPost({ email }))).status).toBe(202);
    expect((await new CookieJar().fetch(url('/api/auth/email-code'), jsonPost({ email }))).status).toBe(429);
    const wrong = String((Number(latestCodeFor(email)) + 1) % 1_000_000).padStart(6, '0');
    expect(
      (await new CookieJar().fetch(url('/api/auth/email-code/verify'), jsonPost({ email, code: wrong }))).status,
    ).toBe(401);

    expect((await metricValue('rate_limit.refusals', { 'rate_limit.rule': 'email-code:email' }, 1)).value).toBe(1);
    expect(
      (await metricValue('auth.sign_ins', { 'auth.method': 'email_code', 'auth.outcome': 'invalid_code' }, 1)).value,
    ).toBe(1);
    const failed = await exportedSpan('sign_in', { 'auth.method': 'email_code', 'auth.outcome': 'invalid_code' });
    expect(failed.statusCode).toBe(2);
  });

  it('continues an incoming traceparent: its trace id is on every span of the request and on its log lines', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const jar = new CookieJar();
    const response = await jar.fetch(
      url('/api/auth/password'),
      jsonPost(existing, { traceparent: `00-${traceId}-${callerSpanId}-01` }),
    );
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;

    const signIn = await exportedSpan('sign_in', { 'auth.method': 'password' });
    expect(signIn.traceId).toBe(traceId);
    expect(signIn.attributes['auth.outcome']).toBe('success');
    // Next's request span continues the caller's span, and the app's spans sit below it.
    await collector.waitFor(() => ancestors(signIn).at(-1)?.parentSpanId === callerSpanId);
    await expectRequestSpans(ancestors(signIn).at(-1)!, '/api/auth/password');
    expect(names(descendants(signIn))).toEqual(expect.arrayContaining(['cognito.InitiateAuth', 'sign_in.session']));
    // The route handler's span carries the request id of the log lines.
    expect(ancestors(signIn).some((span) => span.attributes['app.request_id'] === requestId)).toBe(true);

    const lines = logLines(requestId);
    const audit = lines.find((line) => line.event === 'sign_in');
    expect(audit, app.output()).toBeDefined();
    expect(audit!.trace_id).toBe(traceId);
    expect(collector.spans().some((span) => span.spanId === audit!.span_id && span.traceId === traceId)).toBe(true);
    for (const line of lines) expect(line.trace_id).toBe(traceId);
  });

  it('counts and traces a session refresh in middleware', async () => {
    await setIdTokenLifetime(app, 2, 'seconds');
    const jar = new CookieJar();
    try {
      expect((await jar.fetch(url('/api/auth/password'), jsonPost(existing))).status).toBe(200);
    } finally {
      await setIdTokenLifetime(app, 60, 'minutes');
    }
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await jar.fetch(url('/api/auth/me'))).status).toBe(200);

    expect((await metricValue('session.refreshes', { 'session.refresh.outcome': 'refreshed' }, 1)).value).toBe(1);
    const refresh = await exportedSpan('session.refresh', { 'session.refresh.outcome': 'refreshed' });
    expect(names(descendants(refresh))).toEqual(['cognito.InitiateAuth']);
    expect(descendants(refresh)[0]!.attributes['cognito.quota_category']).toBe('UserAuthentication');
  });
});

/**
 * A deploy stops the server with SIGTERM: what the SDK still holds (spans waiting for their batch,
 * metrics for their next export) is exported after the last request, before the process exits
 * (scripts/lifecycle.mjs runs lib/telemetry/sdk.ts's shutdown). Batches and exports here wait a
 * minute, so nothing leaves before the signal on its own.
 */
describe('telemetry on SIGTERM', () => {
  it('exports the spans and metrics still buffered before the server exits, and exits 0', async () => {
    const late = await startOtlpCollector();
    const service = 'cognito-passkeys-shutdown-test';
    const stopping = await startTestApp({
      ...otelEnvironment(late, service),
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
      OTEL_METRIC_EXPORT_TIMEOUT: '5000',
    });
    try {
      await addPasswordUser(stopping, existing.email, existing.password);
      const signedIn = await new CookieJar().fetch(`${stopping.baseUrl}/api/auth/password`, jsonPost(existing));
      expect(signedIn.status).toBe(200);
      // Held in the batch: no sign-in span has reached the collector.
      expect(late.spans().filter((span) => span.name === 'sign_in')).toEqual([]);

      const exit = new Promise<number | null>((resolve) => stopping.server.once('exit', resolve));
      stopping.server.kill('SIGTERM');
      expect(await exit).toBe(0);

      const signIn = late.spans().find((span) => span.name === 'sign_in');
      expect(signIn?.attributes).toMatchObject({ 'auth.method': 'password', 'auth.outcome': 'success' });
      expect(signIn?.resource['service.name']).toBe(service);
      expect(
        late
          .points()
          .find(
            (p) =>
              p.metric === 'auth.sign_ins' &&
              p.attributes['auth.method'] === 'password' &&
              p.attributes['auth.outcome'] === 'success',
          )?.value,
      ).toBe(1);
    } finally {
      await stopping.stop();
      await late.close();
    }
  });
});
