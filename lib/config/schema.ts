import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_QUOTA_MAX_WAIT_MS, QUOTA_CATEGORIES, QUOTA_CATEGORY_NAMES, type QuotaCategory } from './cognito-quota';
import { baseUrl, fail, flag, optional, originOf, positive, region, required, seconds } from './fields';
import type {
  AppConfig,
  CognitoConfig,
  CorbadoConfig,
  PasskeyLayerName,
  PasskeyStoreConfig,
  SessionConfig,
} from './types';

/**
 * One zod schema per section of the configuration. Each reads its variables from the
 * environment (the keys of its object are the variables' names: tests/deploy/deployment-doc.test.ts
 * reads them from here) and returns its part of AppConfig. A section that depends on another
 * (the pool's region, embedded mode) takes it as an argument; index.ts parses them in order.
 */

/** Production or not, embedded or not: what several sections depend on. */
export interface Mode {
  production: boolean;
  embedded: boolean;
}

export const modeSchema = z
  .object({ NODE_ENV: optional(), EMBEDDED: flag() })
  .transform(({ NODE_ENV, EMBEDDED }): Mode => ({ production: NODE_ENV === 'production', embedded: EMBEDDED }));

export const appSchema = (mode: Mode) =>
  z
    .object({
      APP_ORIGIN:
        mode.production && !mode.embedded
          ? required('the public origin of the app, e.g. https://app.example.com')
          : optional(),
      PORT: optional(),
      DATA_DIR: optional(),
      RELYING_PARTY_NAME: optional(),
    })
    .transform((vars, ctx) => {
      // A malformed PORT makes the default origin malformed: reported as APP_ORIGIN, as ever.
      const result = originOf(vars.APP_ORIGIN ?? `http://localhost:${vars.PORT ?? '3000'}`);
      if ('problem' in result) return fail(ctx, result.problem, ['APP_ORIGIN']);
      return {
        appOrigin: result.origin,
        dataDir: vars.DATA_DIR ?? '.data',
        relyingParty: {
          id: new URL(result.origin).hostname,
          name: vars.RELYING_PARTY_NAME ?? 'Passkey sign-in',
          origin: result.origin,
        },
      };
    });

/** Corbado Complete's webhook: basic-auth credentials, both or neither. */
export const webhookSchema = z
  .object({ CORBADO_WEBHOOK_USERNAME: optional(), CORBADO_WEBHOOK_PASSWORD: optional() })
  .transform(({ CORBADO_WEBHOOK_USERNAME: username, CORBADO_WEBHOOK_PASSWORD: password }, ctx) => {
    if (Boolean(username) !== Boolean(password)) {
      const missing = username ? 'CORBADO_WEBHOOK_PASSWORD' : 'CORBADO_WEBHOOK_USERNAME';
      return fail(ctx, 'is missing: the webhook needs both a username and a password', [missing]);
    }
    if (!username || !password) return null;
    if (password.length < 16) return fail(ctx, 'must be at least 16 characters long', ['CORBADO_WEBHOOK_PASSWORD']);
    return { username, password };
  });

const POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d|local)_[0-9A-Za-z]+$/;
const CLIENT_ID = /^[0-9a-z]{1,128}$/;

export const cognitoSchema = (mode: Mode) =>
  z
    .object({
      COGNITO_USER_POOL_ID: required(
        mode.embedded
          ? 'the embedded Cognito did not start (run the app with npm run dev or EMBEDDED=1 npm start)'
          : 'set your pool id, or run `npm run dev` for the embedded Cognito',
      ).regex(POOL_ID, 'is malformed (expected e.g. eu-central-1_AbCdEf123)'),
      COGNITO_REGION: region().optional(),
      COGNITO_CLIENT_ID: required('the app client id of the pool').regex(CLIENT_ID, 'is malformed'),
      COGNITO_CLIENT_SECRET: optional(),
      COGNITO_ENDPOINT: baseUrl().optional(),
      COGNITO_ACCESS_KEY_ID: optional(),
      COGNITO_SECRET_ACCESS_KEY: optional(),
    })
    .transform((vars, ctx): CognitoConfig => {
      const userPoolId = vars.COGNITO_USER_POOL_ID;
      const local = userPoolId.startsWith('local_');
      const region = vars.COGNITO_REGION ?? (local ? 'us-east-1' : userPoolId.split('_')[0]!);
      if (!local && !userPoolId.startsWith(`${region}_`)) {
        return fail(ctx, 'does not match the region in COGNITO_USER_POOL_ID', ['COGNITO_REGION']);
      }
      const endpoint = vars.COGNITO_ENDPOINT ?? null;
      return {
        region,
        userPoolId,
        clientId: vars.COGNITO_CLIENT_ID,
        clientSecret: vars.COGNITO_CLIENT_SECRET ?? null,
        endpoint,
        endpointCredentials: endpointCredentials(vars, endpoint !== null, mode.embedded, ctx),
        issuer: endpoint ? `${endpoint}/${userPoolId}` : `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`,
      };
    });

/** The credentials calls to COGNITO_ENDPOINT are signed with; null: AWS's default provider chain. */
function endpointCredentials(
  vars: { COGNITO_ACCESS_KEY_ID?: string; COGNITO_SECRET_ACCESS_KEY?: string },
  hasEndpoint: boolean,
  embedded: boolean,
  ctx: z.RefinementCtx,
): CognitoConfig['endpointCredentials'] {
  const { COGNITO_ACCESS_KEY_ID: accessKeyId, COGNITO_SECRET_ACCESS_KEY: secretAccessKey } = vars;
  if (!accessKeyId && !secretAccessKey) {
    if (embedded) {
      return fail(ctx, 'is missing: the embedded Cognito answers only signed calls (the launcher sets it)', [
        'COGNITO_ACCESS_KEY_ID',
      ]);
    }
    return null;
  }
  if (!hasEndpoint) {
    return fail(ctx, 'is only for COGNITO_ENDPOINT (AWS uses its default credential chain)', ['COGNITO_ACCESS_KEY_ID']);
  }
  if (!accessKeyId) {
    return fail(ctx, 'is missing (needed with COGNITO_SECRET_ACCESS_KEY)', ['COGNITO_ACCESS_KEY_ID']);
  }
  if (!secretAccessKey) {
    return fail(ctx, 'is missing (needed with COGNITO_ACCESS_KEY_ID)', ['COGNITO_SECRET_ACCESS_KEY']);
  }
  return { accessKeyId, secretAccessKey };
}

const SUFFIX = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i;

/** Corbado, read when CORBADO_PROJECT_ID is set (index.ts): Connect by default, Complete on request. */
export const corbadoSchema = z
  .object({
    CORBADO_PROJECT_ID: z.string().regex(/^pro-\d+$/, 'is malformed (expected pro-<digits>)'),
    CORBADO_MODE: z
      .enum(['connect', 'complete'], {
        error: 'must be connect (the default) or complete (legacy Corbado Complete)',
      })
      .default('connect'),
    CORBADO_API_SECRET: required('needed with CORBADO_PROJECT_ID').startsWith(
      'corbado1_',
      'is malformed (expected corbado1_...)',
    ),
    CORBADO_FRONTEND_API: baseUrl().optional(),
    CORBADO_BACKEND_API: baseUrl().default('https://backendapi.cloud.corbado.io'),
    CORBADO_FRONTEND_API_URL_SUFFIX: optional(),
    CORBADO_ACTIONS_SECRET: optional(),
  })
  .transform((vars, ctx): CorbadoConfig => {
    const { CORBADO_PROJECT_ID: projectId, CORBADO_MODE: mode } = vars;
    const common = { mode, projectId, apiSecret: vars.CORBADO_API_SECRET, backendApi: vars.CORBADO_BACKEND_API };
    if (mode === 'complete') {
      if (vars.CORBADO_ACTIONS_SECRET) {
        return fail(ctx, 'is for Corbado Connect: unset it, or unset CORBADO_MODE=complete', [
          'CORBADO_ACTIONS_SECRET',
        ]);
      }
      return {
        ...common,
        frontendApi: vars.CORBADO_FRONTEND_API ?? `https://${projectId}.frontendapi.cloud.corbado.io`,
        frontendApiUrlSuffix: 'frontendapi.corbado.io',
        actionsSecret: null,
      };
    }
    const frontendApiUrlSuffix = connectUrlSuffix(vars, ctx);
    const actionsSecret = vars.CORBADO_ACTIONS_SECRET ?? null;
    if (actionsSecret !== null && actionsSecret.length < 32) {
      return fail(ctx, 'must be at least 32 characters long', ['CORBADO_ACTIONS_SECRET']);
    }
    return {
      ...common,
      frontendApi: vars.CORBADO_FRONTEND_API ?? `https://${projectId}.${frontendApiUrlSuffix}`,
      frontendApiUrlSuffix,
      actionsSecret,
    };
  });

/**
 * Connect's components call https://{projectId}.{suffix}: the suffix is its own variable, else
 * what follows `{projectId}.` in CORBADO_FRONTEND_API's host (port included), else Corbado's.
 */
function connectUrlSuffix(
  vars: { CORBADO_PROJECT_ID: string; CORBADO_FRONTEND_API?: string; CORBADO_FRONTEND_API_URL_SUFFIX?: string },
  ctx: z.RefinementCtx,
): string {
  const { CORBADO_PROJECT_ID: projectId, CORBADO_FRONTEND_API: frontendApi } = vars;
  const explicit = vars.CORBADO_FRONTEND_API_URL_SUFFIX;
  if (explicit) {
    if (SUFFIX.test(explicit)) return explicit.toLowerCase();
    return fail(ctx, 'must be a host name with an optional port (e.g. frontendapi.corbado.io)', [
      'CORBADO_FRONTEND_API_URL_SUFFIX',
    ]);
  }
  if (!frontendApi) return 'frontendapi.corbado.io';
  const { protocol, host } = new URL(frontendApi);
  if (protocol !== 'https:' || !host.startsWith(`${projectId}.`)) {
    return fail(
      ctx,
      `is missing: Corbado Connect's components call https://${projectId}.<suffix>, and CORBADO_FRONTEND_API is not of that form`,
      ['CORBADO_FRONTEND_API_URL_SUFFIX'],
    );
  }
  return host.slice(projectId.length + 1);
}

/** The variables of the Corbado layer: its project, API and Actions (not Complete's webhook). */
export const CORBADO_VARIABLES: readonly string[] = Object.keys(corbadoSchema.in.shape);

/**
 * PASSKEY_LAYER: the layer asked for, or null to choose as ever (passkeyLayerOf). `corbadoSet`
 * names the Corbado variables that are set: a layer that uses no Corbado refuses them rather than
 * leave a half-configured Corbado about, and Corbado needs its project.
 */
export const passkeyLayerSchema = (corbadoSet: readonly string[]) =>
  z
    .object({
      PASSKEY_LAYER: z
        .enum(['self-hosted', 'cognito-native', 'corbado'], {
          error: 'must be self-hosted, cognito-native or corbado (unset: corbado when CORBADO_PROJECT_ID is set)',
        })
        .optional(),
    })
    .transform(({ PASSKEY_LAYER: chosen }, ctx) => {
      if (chosen === 'corbado' && !corbadoSet.includes('CORBADO_PROJECT_ID')) {
        return fail(ctx, 'is missing: PASSKEY_LAYER=corbado needs a Corbado project (and CORBADO_API_SECRET)', [
          'CORBADO_PROJECT_ID',
        ]);
      }
      if ((chosen === 'self-hosted' || chosen === 'cognito-native') && corbadoSet.length > 0) {
        return fail(ctx, `is set, but PASSKEY_LAYER=${chosen} uses no Corbado: unset one of them`, [corbadoSet[0]!]);
      }
      return chosen ?? null;
    });

/** The layer that runs: the one asked for, else Corbado (in its mode) when configured, else self-hosted. */
export function passkeyLayerOf(
  chosen: 'self-hosted' | 'cognito-native' | 'corbado' | null,
  corbado: CorbadoConfig | null,
): PasskeyLayerName {
  if (chosen === 'self-hosted' || chosen === 'cognito-native') return chosen;
  return corbado ? `corbado-${corbado.mode}` : 'self-hosted';
}

/** A password's id is derived from the secret itself, so it stays stable however the list is reordered. */
function passwordId(secret: string): string {
  return String(parseInt(createHash('sha256').update(secret).digest('hex').slice(0, 8), 16));
}

export const sessionSchema = z
  .object({
    SESSION_SECRET: required('set a random string of at least 32 characters').min(
      32,
      'must be at least 32 characters long',
    ),
    SESSION_SECRET_PREVIOUS: optional()
      .transform((list) =>
        (list ?? '')
          .split(',')
          .map((secret) => secret.trim())
          .filter(Boolean),
      )
      .refine(
        (secrets) => secrets.every((secret) => secret.length >= 32),
        'must list secrets of at least 32 characters, comma-separated',
      ),
    SESSION_SECRET_NEXT: z
      .string()
      .refine((next) => next.length >= 32 && !next.includes(','), 'must be one secret of at least 32 characters')
      .optional(),
    SESSION_IDLE_TIMEOUT_SECONDS: seconds(12 * 3600, 60),
    SESSION_ABSOLUTE_TIMEOUT_SECONDS: seconds(7 * 24 * 3600, 300),
  })
  .transform((vars, ctx): SessionConfig => {
    const { SESSION_SECRET: current, SESSION_SECRET_PREVIOUS: previous, SESSION_SECRET_NEXT: next } = vars;
    if (next !== undefined && (next === current || previous.includes(next))) {
      return fail(ctx, 'must differ from SESSION_SECRET and SESSION_SECRET_PREVIOUS', ['SESSION_SECRET_NEXT']);
    }
    const openWith: Record<string, string> = {};
    for (const secret of previous) openWith[passwordId(secret)] = secret;
    // Opens, never seals: every instance must open the new secret's cookies before any seals with it.
    if (next !== undefined) openWith[passwordId(next)] = next;
    openWith[passwordId(current)] = current;
    return {
      sealWith: { [passwordId(current)]: current },
      openWith,
      idleTimeoutSeconds: vars.SESSION_IDLE_TIMEOUT_SECONDS,
      absoluteTimeoutSeconds: vars.SESSION_ABSOLUTE_TIMEOUT_SECONDS,
    };
  });

export const challengeKeySchema = z
  .object({
    AUTH_CHALLENGE_PRIVATE_KEY: required('a PKCS#8 PEM EC P-256 key (npm run keys:challenge prints one)').transform(
      (raw, ctx): AppConfig['authChallenge'] => {
        let privateKey: KeyObject;
        try {
          privateKey = createPrivateKey(raw.replace(/\\n/g, '\n'));
        } catch {
          return fail(ctx, 'is not a readable PEM private key');
        }
        if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
          return fail(ctx, 'must be an EC P-256 key (ES256)');
        }
        const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
        return { privateKey, publicKeyPem };
      },
    ),
  })
  .transform((vars) => vars.AUTH_CHALLENGE_PRIVATE_KEY);

export const emailSchema = z
  .object({
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL')
      .optional(),
    EMAIL_FROM: z
      .string()
      .refine((from) => !/[\r\n]/.test(from), 'must be a single line')
      .default('Passkey sign-in <no-reply@localhost>'),
  })
  .transform((vars): AppConfig['email'] => ({ smtpUrl: vars.SMTP_URL ?? null, from: vars.EMAIL_FROM }));

export const redisSchema = z
  .object({
    REDIS_URL: z
      .string()
      .transform((raw, ctx) => {
        let url: URL;
        try {
          url = new URL(raw);
        } catch {
          return fail(ctx, 'is not a URL (expected e.g. redis://localhost:6379 or rediss://user:password@host:6380)');
        }
        if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
          return fail(ctx, 'must be a redis:// or rediss:// URL');
        }
        if (!url.hostname) return fail(ctx, 'has no host');
        if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname)) {
          return fail(ctx, 'may name a database number only (e.g. /0) after the host');
        }
        return raw;
      })
      .optional(),
  })
  .transform((vars) => vars.REDIS_URL ?? null);

/**
 * The DynamoDB table of the self-hosted passkey layer and of Connect's email codes. Its region
 * defaults to the pool's, never to AWS_REGION: Vercel sets that to the function's own region.
 */
export const passkeyStoreSchema = (cognitoRegion: string) =>
  z
    .object({
      DYNAMODB_TABLE: required('the passkey table (infra/ creates it; see docs/DEPLOYMENT.md)').regex(
        /^[A-Za-z0-9_.-]{3,255}$/,
        'is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)',
      ),
      DYNAMODB_REGION: region().optional(),
      DYNAMODB_ENDPOINT: baseUrl().optional(),
    })
    .transform((vars): PasskeyStoreConfig => ({
      table: vars.DYNAMODB_TABLE,
      region: vars.DYNAMODB_REGION ?? cognitoRegion,
      endpoint: vars.DYNAMODB_ENDPOINT ?? null,
    }));

/** COGNITO_QUOTA_<CATEGORY>: requests per second per quota category, AWS's default unless set. */
const quotaRates = Object.fromEntries(
  QUOTA_CATEGORY_NAMES.map((category) => {
    const { env, defaultPerSecond } = QUOTA_CATEGORIES[category];
    return [env, positive(defaultPerSecond, `requests per second; AWS's default is ${defaultPerSecond}`)];
  }),
) as Record<string, ReturnType<typeof positive>>;

/** Cognito traffic shaping: a rate per quota category and the longest wait for a turn. */
export const cognitoQuotaSchema = z
  .object({ ...quotaRates, COGNITO_QUOTA_MAX_WAIT_MS: positive(DEFAULT_QUOTA_MAX_WAIT_MS, 'milliseconds') })
  .transform((vars) => ({
    perSecond: Object.fromEntries(
      QUOTA_CATEGORY_NAMES.map((category) => [
        category,
        (vars as Record<string, number>)[QUOTA_CATEGORIES[category].env],
      ]),
    ) as Record<QuotaCategory, number>,
    maxWaitMs: vars.COGNITO_QUOTA_MAX_WAIT_MS,
  }));

/** Opt-ins and test switches; policy.ts decides where they are allowed. */
export const switchesSchema = z.object({ TEST_ONLY_SESSION_GATE_OFF: flag(), EMAIL_OUTBOX_IN_PRODUCTION: flag() });
export type Switches = z.output<typeof switchesSchema>;

const ANY_MODE: Mode = { production: true, embedded: false };

/** Every variable the configuration reads: the keys of the sections' objects. */
export const CONFIG_VARIABLES: readonly string[] = [
  ...[
    modeSchema,
    appSchema(ANY_MODE),
    webhookSchema,
    cognitoSchema(ANY_MODE),
    corbadoSchema,
    sessionSchema,
    challengeKeySchema,
    emailSchema,
    redisSchema,
    passkeyStoreSchema('eu-central-1'),
    cognitoQuotaSchema,
    passkeyLayerSchema([]),
  ].flatMap((section) => Object.keys(section.in.shape)),
  ...Object.keys(switchesSchema.shape),
];
