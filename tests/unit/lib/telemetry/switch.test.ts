import { describe, expect, it } from 'vitest';
import { telemetryRequested } from '@/lib/telemetry/switch';
import { cognitoCategory } from '@/lib/telemetry/cognito';

/**
 * When instrumentation.ts loads the OpenTelemetry SDK: only when the standard OTEL_* variables
 * ask for an exporter, so a default `npm run dev` loads nothing (tests/http/quiet-start.test.ts
 * checks the terminal, tests/http/telemetry.test.ts the exporting).
 */
describe('telemetryRequested', () => {
  it.each<[Record<string, string>, boolean]>([
    [{}, false],
    [{ OTEL_SERVICE_NAME: 'app' }, false],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://collector:4318/v1/metrics' }, true],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_METRICS_EXPORTER: 'none, otlp' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'false' }, true],
  ])('%j → %s', (env, expected) => {
    expect(telemetryRequested(env)).toBe(expected);
  });
});

describe('cognitoCategory', () => {
  it('puts each operation the app calls in the quota category Cognito counts it in', () => {
    expect(cognitoCategory('AdminInitiateAuth')).toBe('UserAuthentication');
    expect(cognitoCategory('InitiateAuth')).toBe('UserAuthentication');
    expect(cognitoCategory('AdminRespondToAuthChallenge')).toBe('UserAuthentication');
    expect(cognitoCategory('AdminCreateUser')).toBe('UserCreation');
    expect(cognitoCategory('SignUp')).toBe('UserCreation');
    expect(cognitoCategory('AdminGetUser')).toBe('UserRead');
    expect(cognitoCategory('ListUsers')).toBe('UserList');
    expect(cognitoCategory('AdminUpdateUserAttributes')).toBe('UserUpdate');
    expect(cognitoCategory('DescribeUserPool')).toBe('Other');
  });
});
