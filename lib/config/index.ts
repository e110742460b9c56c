import type { z } from 'zod';
import { trimmed, type Env } from './fields';
import { deploymentRules, startupWarnings } from './policy';
import {
  appSchema,
  challengeKeySchema,
  cognitoQuotaSchema,
  cognitoSchema,
  CORBADO_VARIABLES,
  corbadoSchema,
  emailSchema,
  modeSchema,
  passkeyLayerOf,
  passkeyLayerSchema,
  passkeyStoreSchema,
  redisSchema,
  sessionSchema,
  switchesSchema,
  webhookSchema,
} from './schema';
import type { AppConfig } from './types';

export type {
  AppConfig,
  CognitoConfig,
  CognitoQuotaConfig,
  CorbadoConfig,
  PasskeyLayerName,
  PasskeyStoreConfig,
  SessionConfig,
} from './types';
export { CONFIG_VARIABLES } from './schema';

/**
 * The configuration, parsed once from the environment (schema.ts, one zod schema per section;
 * policy.ts, the deployment rules). Nothing else in the app reads process.env: a missing or
 * malformed value is a ConfigError that names the variable and never echoes its value.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

/** The section's value, or a ConfigError naming the first variable it refuses. */
function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  // Every issue is raised at a variable (a key of the section's object, or a refinement's path).
  throw new ConfigError(String(issue!.path[0]), issue!.message);
}

export function parseConfig(env: Env): AppConfig {
  const vars = trimmed(env);
  const mode = parse(modeSchema, vars);
  const app = parse(appSchema(mode), vars);
  const webhook = parse(webhookSchema, vars);
  const cognito = parse(cognitoSchema(mode), vars);
  const chosenLayer = parse(passkeyLayerSchema(CORBADO_VARIABLES.filter((name) => vars[name])), vars);
  // Corbado is configured when its project is named; its other variables are read only then.
  const corbado = vars.CORBADO_PROJECT_ID ? parse(corbadoSchema, vars) : null;
  const session = parse(sessionSchema, vars);
  const authChallenge = parse(challengeKeySchema, vars);
  const email = parse(emailSchema, vars);
  const redisUrl = parse(redisSchema, vars);
  const passkeyLayer = passkeyLayerOf(chosenLayer, corbado);
  // Self-hosted passkeys keep their state in the store, and so do Connect's email codes (its
  // sign-up and fallback); Corbado Complete keeps none here, and Cognito's own passkeys only the
  // details Cognito does not keep, when a table is configured.
  const storeless = passkeyLayer === 'corbado-complete' || (passkeyLayer === 'cognito-native' && !vars.DYNAMODB_TABLE);
  const passkeyStore = storeless ? null : parse(passkeyStoreSchema(cognito.region), vars);
  const cognitoQuota = parse(cognitoQuotaSchema, vars);
  const switches = parse(switchesSchema, vars);
  const config: AppConfig = {
    ...mode,
    appOrigin: app.appOrigin,
    dataDir: app.dataDir,
    cognito,
    corbado,
    webhook,
    session,
    authChallenge,
    relyingParty: app.relyingParty,
    email,
    redisUrl,
    passkeyStore,
    cognitoQuota,
    sessionGateOff: switches.TEST_ONLY_SESSION_GATE_OFF,
    passkeyLayer,
    warnings: [],
  };
  parse(deploymentRules, { config, switches });
  config.warnings.push(...startupWarnings(config));
  return config;
}

let cached: AppConfig | undefined;

/** The app's configuration, parsed on first use. */
export function getConfig(): AppConfig {
  cached ??= parseConfig(process.env);
  return cached;
}

/** At server boot: a bad configuration ends the process with one line naming the variable. */
export function stopOnConfigurationError(): void {
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  try {
    // Once per process: this runs at boot, and the configuration is parsed once.
    for (const warning of getConfig().warnings) console.warn(warning);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
}
