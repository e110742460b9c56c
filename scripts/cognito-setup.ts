/**
 * `npm run cognito:setup [-- --apply] [--define-auth-challenge=ARN --create-auth-challenge=ARN
 * --verify-auth-challenge=ARN] [--layer=cognito-native [--feature-plan=essentials]
 * [--user-verification=preferred]]`: checks the configured pool and app client against what the
 * app needs (lib/cognito/requirements.ts, planned by scripts/cognito-setup-plan.ts), prints the
 * plan, makes the changes only with --apply, and prints the .env lines for the pool and client.
 * Idempotent: a second run finds nothing to change. With no pool configured it works on the
 * embedded Cognito, like `npm run users:add`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { loadEnvConfig } from '@next/env';
import {
  AddCustomAttributesCommand,
  CreateUserPoolClientCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  GetUserPoolMfaConfigCommand,
  ListUserPoolClientsCommand,
  SetUserPoolMfaConfigCommand,
  UpdateUserPoolClientCommand,
  UpdateUserPoolCommand,
  type CognitoIdentityProviderClient,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { ConfigError, parseConfig } from '../lib/config';
import {
  APP_CLIENT_NAME,
  isPasskeyLayerName,
  NATIVE_PASSKEY_REQUIREMENTS,
  PASSKEY_LAYER_SIGN_IN,
  type FeaturePlan,
  type PasskeyLayerName,
  type WebAuthnUserVerification,
} from '../lib/cognito/requirements';
import {
  FEATURE_PLAN_FLAG,
  TRIGGERS,
  challengeKeySetReport,
  TRIGGER_INPUTS,
  describePlan,
  environmentLines,
  planCognitoSetup,
  type SetupPlan,
  type SetupRequirements,
  type SetupState,
  type TriggerArns,
} from './cognito-setup-plan';
import { quietAwsSdkNotices } from './lifecycle.mjs';

const LAYERS = Object.keys(PASSKEY_LAYER_SIGN_IN) as PasskeyLayerName[];
const PAID_PLANS = NATIVE_PASSKEY_REQUIREMENTS.featurePlans.map((plan) => plan.toLowerCase());

const USAGE = `usage: npm run cognito:setup [-- --apply] [--define-auth-challenge=ARN] [--create-auth-challenge=ARN] [--verify-auth-challenge=ARN]
       npm run cognito:setup [-- --apply] --layer=cognito-native [${FEATURE_PLAN_FLAG}=essentials] [--user-verification=required|preferred]
  Checks the pool and app client configured in the environment (.env), prints what the app still
  needs, and changes them only with --apply. The ARNs (or ${TRIGGERS.map((t) => TRIGGER_INPUTS[t].env).join(', ')})
  name the trigger functions infra/ deployed. With AUTH_CHALLENGE_PUBLIC_KEYS (the verify function's
  key set) it also checks that the set holds the app's signing key.
  --layer (or PASSKEY_LAYER): ${LAYERS.join(', ')}. cognito-native needs no triggers: it sets up
  Cognito's own passkeys (USER_AUTH) on an Essentials or Plus pool; a Lite pool is refused unless
  ${FEATURE_PLAN_FLAG}=${PAID_PLANS.join('|')} says to move it to that (paid) plan.`;

/** Stands in for COGNITO_CLIENT_ID while the configuration is checked, when no client is configured yet. */
const CLIENT_ID_PLACEHOLDER = 'notconfigured';
const TABLE_PLACEHOLDER = 'notconfigured';

function stop(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

interface Options {
  apply: boolean;
  triggers: TriggerArns;
  layer: PasskeyLayerName | null;
  upgradeFeaturePlanTo: FeaturePlan | null;
  userVerification: WebAuthnUserVerification;
}

/** The value options, each checked as it is read. */
const VALUE_OPTIONS: Record<string, (options: Options, value: string) => void> = {
  '--layer': (options, value) => {
    if (!isPasskeyLayerName(value)) stop(`--layer must be one of ${LAYERS.join(', ')}`);
    options.layer = value;
  },
  [FEATURE_PLAN_FLAG]: (options, value) => {
    if (!PAID_PLANS.includes(value.toLowerCase())) stop(`${FEATURE_PLAN_FLAG} must be ${PAID_PLANS.join(' or ')}`);
    options.upgradeFeaturePlanTo = value.toUpperCase() as FeaturePlan;
  },
  '--user-verification': (options, value) => {
    if (value !== 'required' && value !== 'preferred') stop('--user-verification must be required or preferred');
    options.userVerification = value;
  },
};

function parseArguments(args: string[], env: NodeJS.ProcessEnv): Options {
  const options: Options = {
    apply: false,
    triggers: {},
    layer: null,
    upgradeFeaturePlanTo: null,
    userVerification: NATIVE_PASSKEY_REQUIREMENTS.userVerification,
  };
  for (const trigger of TRIGGERS) {
    const fromEnv = env[TRIGGER_INPUTS[trigger].env]?.trim();
    if (fromEnv) options.triggers[trigger] = fromEnv;
  }
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag === '--apply') {
      options.apply = true;
      continue;
    }
    if (flag === '--help' || flag === '-h') stop(USAGE, 0);
    const valueOption = VALUE_OPTIONS[flag];
    if (valueOption) {
      const value = inline ?? args[++i];
      if (!value) stop(`${flag} needs a value\n${USAGE}`);
      valueOption(options, value);
      continue;
    }
    const trigger = TRIGGERS.find((t) => TRIGGER_INPUTS[t].flag === flag);
    if (!trigger) stop(`unknown option ${flag}\n${USAGE}`);
    const value = inline ?? args[++i];
    if (!value) stop(`${flag} needs a function ARN`);
    options.triggers[trigger] = value;
  }
  return options;
}

/** Fills in what the embedded Cognito needs, like the launcher; returns how to stop what it started. */
async function setUpEmbeddedPool(options: Options): Promise<() => Promise<void>> {
  // Loaded only here: the emulator's modules take a second to load, and AWS mode never needs them.
  const { TRIGGER_ARNS } = await import('../embedded-cognito');
  const { embeddedSecrets, runningInstanceVariables, startEmbeddedEnvironment } =
    await import('../embedded-cognito/environment');
  const secrets = embeddedSecrets(process.env, console.log);
  Object.assign(process.env, secrets);
  for (const trigger of TRIGGERS) options.triggers[trigger] ??= TRIGGER_ARNS[trigger];
  const running = runningInstanceVariables(process.env);
  if (running) {
    Object.assign(process.env, running);
    return async () => undefined;
  }
  const started = await startEmbeddedEnvironment(process.env, secrets);
  Object.assign(process.env, started.variables);
  return started.close;
}

/**
 * The setup needs only the Cognito part of the configuration. Secrets the app will need and the
 * environment lacks are generated here, so they can be printed with the rest of the .env lines.
 */
function generateMissingSecrets(env: NodeJS.ProcessEnv): string[] {
  const lines: string[] = [];
  if (!env.SESSION_SECRET?.trim()) {
    env.SESSION_SECRET = randomBytes(32).toString('base64url');
    lines.push(`SESSION_SECRET=${env.SESSION_SECRET}`);
  }
  if (!env.AUTH_CHALLENGE_PRIVATE_KEY?.trim()) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const oneLine = (pem: string) => pem.trim().replace(/\n/g, '\\n');
    env.AUTH_CHALLENGE_PRIVATE_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    lines.push(`AUTH_CHALLENGE_PRIVATE_KEY="${oneLine(env.AUTH_CHALLENGE_PRIVATE_KEY)}"`);
  }
  return lines;
}

async function describeClient(cognito: CognitoIdentityProviderClient, userPoolId: string, clientId: string) {
  try {
    const { UserPoolClient } = await cognito.send(
      new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }),
    );
    return UserPoolClient ?? null;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return null;
    throw error;
  }
}

/** The configured client if it has a secret, else the one an earlier run created (found by name). */
async function findAppClient(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  clientId: string | null,
): Promise<UserPoolClientType | null> {
  const configured = clientId ? await describeClient(cognito, userPoolId, clientId) : null;
  if (configured?.ClientSecret) return configured;
  let NextToken: string | undefined;
  do {
    const page = await cognito.send(
      new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60, NextToken }),
    );
    for (const listed of page.UserPoolClients ?? []) {
      if (listed.ClientName !== APP_CLIENT_NAME || listed.ClientId === clientId) continue;
      const candidate = await describeClient(cognito, userPoolId, listed.ClientId!);
      if (candidate?.ClientSecret) return candidate;
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return configured;
}

async function readState(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  clientId: string | null,
  native: boolean,
): Promise<SetupState> {
  const { UserPool } = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
  if (!UserPool) throw new Error(`user pool ${userPoolId} was not described`);
  const client = await findAppClient(cognito, userPoolId, clientId);
  if (!native) return { pool: UserPool, client };
  const { $metadata: _metadata, ...mfa } = await cognito.send(
    new GetUserPoolMfaConfigCommand({ UserPoolId: userPoolId }),
  );
  return { pool: UserPool, client, mfa };
}

/** Runs the plan's steps in order; returns the client the app should use afterwards. */
async function applyPlan(cognito: CognitoIdentityProviderClient, plan: SetupPlan, client: UserPoolClientType | null) {
  let appClient = client;
  for (const step of plan.steps) {
    console.log(`Applying: ${step.summary}`);
    if (step.kind === 'add-custom-attribute') await cognito.send(new AddCustomAttributesCommand(step.request));
    if (step.kind === 'update-pool') await cognito.send(new UpdateUserPoolCommand(step.request));
    if (step.kind === 'set-mfa-config') await cognito.send(new SetUserPoolMfaConfigCommand(step.request));
    if (step.kind === 'update-client')
      appClient = (await cognito.send(new UpdateUserPoolClientCommand(step.request))).UserPoolClient ?? appClient;
    if (step.kind === 'create-client')
      appClient = (await cognito.send(new CreateUserPoolClientCommand(step.request))).UserPoolClient ?? null;
  }
  return appClient;
}

/**
 * Self-hosted passkeys keep their state in the stack's DynamoDB table: its name comes in
 * DYNAMODB_TABLE (infra/'s NextStep output passes it), else a reminder is printed.
 */
function passkeyStoreLines(embedded: boolean, native: boolean, table: string | undefined): string[] {
  // Cognito's native passkeys need no store; Corbado keeps its own.
  if (embedded || native || process.env.CORBADO_PROJECT_ID?.trim()) return [];
  return table
    ? [`DYNAMODB_TABLE=${table}`]
    : ['# Self-hosted passkeys keep their state in DynamoDB: DYNAMODB_TABLE=<infra/ output PasskeyTableName>'];
}

async function main(): Promise<void> {
  loadEnvConfig(process.cwd(), true, { info: () => undefined, error: console.error });
  const options = parseArguments(process.argv.slice(2), process.env);
  const embedded = process.env.EMBEDDED === '1' || !process.env.COGNITO_USER_POOL_ID?.trim();
  const close = embedded ? await setUpEmbeddedPool(options) : async () => undefined;
  const generatedSecrets = embedded ? [] : generateMissingSecrets(process.env);
  // A pool without the app's client yet is fine here: the setup creates one.
  const clientId = process.env.COGNITO_CLIENT_ID?.trim() || null;
  process.env.COGNITO_CLIENT_ID ||= CLIENT_ID_PLACEHOLDER;
  // Nor is a passkey table needed to set up the pool: the lines printed at the end name it.
  const passkeyTable = process.env.DYNAMODB_TABLE?.trim() || undefined;
  process.env.DYNAMODB_TABLE ||= TABLE_PLACEHOLDER;
  try {
    const config = parseConfig(process.env);
    // Imported only now: the Cognito client reads the configuration on first use.
    const { cognitoClient } = await import('../lib/cognito/client');
    const cognito = cognitoClient();
    // --layer, else the app's own setting (PASSKEY_LAYER, parsed by the configuration).
    const native = PASSKEY_LAYER_SIGN_IN[options.layer ?? config.passkeyLayer] === 'native';
    const needs: SetupRequirements = {
      triggers: options.triggers,
      sessionLifetimeSeconds: config.session.absoluteTimeoutSeconds,
      ...(native
        ? {
            native: {
              appHost: config.relyingParty.id,
              userVerification: options.userVerification,
              upgradeFeaturePlanTo: options.upgradeFeaturePlanTo,
            },
          }
        : {}),
    };

    console.log(
      `Checking user pool ${config.cognito.userPoolId}${embedded ? ' (embedded Cognito)' : ''}` +
        (native ? ` for Cognito's own passkeys (relying party ${config.relyingParty.id}).` : '.'),
    );
    const state = await readState(cognito, config.cognito.userPoolId, clientId, native);
    const plan = planCognitoSetup(state, needs);
    for (const line of describePlan(plan)) console.log(line);

    let client = state.client;
    if (options.apply && plan.steps.length > 0) {
      client = await applyPlan(cognito, plan, client);
      const after = planCognitoSetup(
        await readState(cognito, config.cognito.userPoolId, client?.ClientId ?? clientId, native),
        needs,
      );
      if (after.steps.length > 0)
        throw new Error(`the pool still differs after applying: ${describePlan(after).join('; ')}`);
      console.log(
        `Applied ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}; a second run finds nothing to change.`,
      );
      const triggersChanged = !native && plan.steps.some((step) => step.kind === 'update-pool');
      if (triggersChanged && !embedded) {
        console.log(
          'Cognito may invoke the functions only with a resource policy allowing it: infra/ adds one per function; for functions deployed otherwise, run for each:\n' +
            `  aws lambda add-permission --function-name <ARN> --statement-id cognito-${config.cognito.userPoolId} --action lambda:InvokeFunction --principal cognito-idp.amazonaws.com --source-arn ${state.pool.Arn}`,
        );
      }
    } else if (plan.steps.length > 0) {
      console.log('Nothing was changed. Run again with --apply to make these changes.');
    }

    if (client?.ClientId) {
      console.log('\n# .env lines for this pool and app client:');
      const lines = environmentLines({
        region: config.cognito.region,
        userPoolId: config.cognito.userPoolId,
        clientId: client.ClientId,
        clientSecret: client.ClientSecret ?? null,
        endpoint: embedded ? null : config.cognito.endpoint,
      });
      for (const line of [...lines, ...passkeyStoreLines(embedded, native, passkeyTable), ...generatedSecrets])
        console.log(line);
      if (embedded) console.log('# (embedded Cognito: `npm run dev` sets these by itself; shown for other tools)');
    }
    // The function's key set is checked only when given here: cognito:setup cannot read it from
    // Lambda. Cognito's native passkeys use no function.
    const keys = native
      ? { lines: [], blocker: null }
      : challengeKeySetReport(process.env.AUTH_CHALLENGE_PUBLIC_KEYS, config.authChallenge.privateKey);
    for (const line of keys.lines) console.log(line);
    if (keys.blocker) console.log(`Cannot do: ${keys.blocker}`);
    if (plan.blockers.length > 0 || keys.blocker) process.exitCode = 2;
  } finally {
    await close();
  }
}

// The AWS SDK's notices: the Node one is said once, by `npm run dev` / `npm start` (scripts/lifecycle.mjs).
quietAwsSdkNotices(process.env);
main().catch((error: unknown) => {
  if (error instanceof ConfigError) stop(`Configuration error: ${error.message}`);
  const { name, message } = error as Error;
  stop(`Cognito setup failed: ${name ?? 'error'}: ${message ?? String(error)}`);
});
