import path from 'node:path';
import { Annotations, CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  APP_CLIENT_NAME,
  APP_CUSTOM_ATTRIBUTES,
  NATIVE_PASSKEY_REQUIREMENTS,
  poolRequirements,
  type CustomAuthTrigger,
  type ExplicitAuthFlow,
  type FirstAuthFactor,
} from '../../lib/cognito/requirements';
import { PASSKEY_TABLE } from '../../lib/store/dynamodb-table';
import type { DeploymentSettings, NativePasskeySettings } from './settings';

/**
 * Everything AWS-side the passkey app needs, for a new user pool or attached to an existing one:
 *
 * - the define / create / verify auth challenge functions, built from the app's
 *   `npm run lambdas:build` bundles (one file each, no dependencies), the verify function holding
 *   only the public key of the challenge assertion;
 * - permission for Cognito (this pool only) to invoke them;
 * - a new pool: email sign-in, the app's custom attributes, the three triggers, kept on stack
 *   deletion; or, for an existing pool, nothing on the pool itself (see docs/DEPLOYMENT.md:
 *   CloudFormation only changes resources it owns, so `npm run cognito:setup` attaches the triggers
 *   and adds the attributes there, without touching users);
 * - an app client with a secret, exactly the auth flows the app uses, PreventUserExistenceErrors,
 *   token revocation and short ID/access token lifetimes (a new resource: fine on either pool);
 * - a managed policy with exactly the admin calls the app makes, for its runtime role or user;
 * - the DynamoDB table of the self-hosted passkey layer (lib/store/dynamodb-table.ts defines its
 *   keys for the app and this stack alike), kept when the stack is deleted, and a second managed
 *   policy with exactly the calls the app makes on it.
 *
 * With passkeyLayer=cognito-native, Cognito's own passkeys instead: no function and no table; a new
 * pool on the Essentials (or Plus) plan with the WebAuthn relying party, user verification and the
 * sign-in policy of lib/cognito/requirements.ts; a client with USER_AUTH.
 */

/** The IAM-authorized Cognito calls the app makes (the others authenticate with the client secret). */
export const APP_ADMIN_ACTIONS = [
  'AdminCreateUser',
  'AdminDeleteUser',
  'AdminGetUser',
  'AdminInitiateAuth',
  'AdminRespondToAuthChallenge',
  'AdminSetUserPassword',
  'AdminUpdateUserAttributes',
] as const;

/** The calls lib/store/dynamodb.ts makes on its table (Query on the owner index only). */
export const APP_TABLE_ACTIONS = ['BatchGetItem', 'DeleteItem', 'GetItem', 'PutItem', 'UpdateItem'] as const;
export const APP_INDEX_ACTIONS = ['Query'] as const;

type TriggerName = CustomAuthTrigger;

const TRIGGER_BUNDLES: Record<TriggerName, string> = {
  DefineAuthChallenge: 'define-auth-challenge',
  CreateAuthChallenge: 'create-auth-challenge',
  VerifyAuthChallengeResponse: 'verify-auth-challenge',
};

/** The app's flows as the L2 client takes them; CDK adds ALLOW_REFRESH_TOKEN_AUTH whenever any is on. */
function clientAuthFlows(flows: readonly ExplicitAuthFlow[]): cognito.AuthFlow {
  const byFlow: Record<Exclude<ExplicitAuthFlow, 'ALLOW_REFRESH_TOKEN_AUTH'>, keyof cognito.AuthFlow> = {
    ALLOW_CUSTOM_AUTH: 'custom',
    ALLOW_USER_AUTH: 'user',
    ALLOW_USER_PASSWORD_AUTH: 'userPassword',
  };
  return Object.fromEntries(
    flows.filter((flow) => flow !== 'ALLOW_REFRESH_TOKEN_AUTH').map((flow) => [byFlow[flow], true]),
  ) as cognito.AuthFlow;
}

/** The first sign-in factors as the L2 pool takes them (the CDK construct insists on the password). */
function firstAuthFactors(factors: readonly FirstAuthFactor[]): cognito.AllowedFirstAuthFactors {
  return {
    password: factors.includes('PASSWORD'),
    emailOtp: factors.includes('EMAIL_OTP'),
    passkey: factors.includes('WEB_AUTHN'),
  };
}

/** The CDK construct options of Cognito's own passkeys on a new pool. */
function nativePasskeyPoolProps(native: NativePasskeySettings): Partial<cognito.UserPoolProps> {
  return {
    featurePlan: native.featurePlan as cognito.FeaturePlan,
    signInPolicy: { allowedFirstAuthFactors: firstAuthFactors(NATIVE_PASSKEY_REQUIREMENTS.firstAuthFactors) },
    passkeyRelyingPartyId: native.relyingPartyId,
    passkeyUserVerification: native.userVerification as cognito.PasskeyUserVerification,
  };
}

export class CognitoPasskeysStack extends Stack {
  readonly userPool: cognito.IUserPool;
  /** The CUSTOM_AUTH functions; null with Cognito's own passkeys, which use none. */
  readonly triggers: Record<TriggerName, lambda.Function> | null;
  readonly appClient: cognito.UserPoolClient | null;
  /** The self-hosted layer's table; null with Cognito's own passkeys, which keep nothing here. */
  readonly passkeyTable: dynamodb.Table | null;

  constructor(scope: Construct, id: string, settings: DeploymentSettings, props: StackProps = {}) {
    super(scope, id, {
      description: settings.native
        ? "Passkey-first sign-in on Amazon Cognito: a pool and app client for Cognito's own passkeys"
        : 'Passkey-first sign-in on Amazon Cognito: CUSTOM_AUTH triggers, pool and app client',
      ...props,
    });

    this.triggers = settings.native
      ? null
      : {
          DefineAuthChallenge: this.triggerFunction('DefineAuthChallenge', settings, {}),
          CreateAuthChallenge: this.triggerFunction('CreateAuthChallenge', settings, {}),
          VerifyAuthChallengeResponse: this.triggerFunction('VerifyAuthChallengeResponse', settings, {
            // One line: Lambda environment values are plain strings; the handler turns \n back into newlines.
            AUTH_CHALLENGE_PUBLIC_KEYS: settings.authChallengePublicKeysPem.trim().replace(/\n/g, '\\n'),
          }),
        };

    this.userPool = settings.existingUserPoolId
      ? this.attachToExistingPool(settings.existingUserPoolId)
      : this.createPool(settings);

    this.appClient = settings.createAppClient ? this.createAppClient(settings) : null;

    const appPolicy = new iam.ManagedPolicy(this, 'AppCognitoAccess', {
      description: 'The Cognito admin calls the passkey app makes; attach to its runtime role or IAM user',
      statements: [
        new iam.PolicyStatement({
          actions: APP_ADMIN_ACTIONS.map((action) => `cognito-idp:${action}`),
          resources: [this.userPool.userPoolArn],
        }),
      ],
    });

    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    if (this.appClient) new CfnOutput(this, 'AppClientId', { value: this.appClient.userPoolClientId });
    if (!this.triggers) {
      this.passkeyTable = null;
      new CfnOutput(this, 'AppPolicyArn', { value: appPolicy.managedPolicyArn });
      new CfnOutput(this, 'NextStep', {
        description: settings.existingUserPoolId
          ? "Sets up Cognito's own passkeys on the existing pool (plan, sign-in policy, relying party), then copy the printed .env lines"
          : 'Prints the .env lines (client id and secret) for this pool; finds nothing to change',
        value: Fn.join('', [
          'COGNITO_USER_POOL_ID=',
          this.userPool.userPoolId,
          this.appClient ? Fn.join('', [' COGNITO_CLIENT_ID=', this.appClient.userPoolClientId]) : '',
          ` APP_ORIGIN=https://${settings.native!.relyingPartyId}`,
          ' npm run cognito:setup -- --apply --layer=cognito-native',
          settings.native!.userVerification === 'preferred' ? ' --user-verification=preferred' : '',
        ]),
      });
      return;
    }

    this.passkeyTable = this.createPasskeyTable();
    const indexArn = `${this.passkeyTable.tableArn}/index/${PASSKEY_TABLE.ownerIndex.name}`;
    const tablePolicy = new iam.ManagedPolicy(this, 'AppPasskeyTableAccess', {
      description:
        'The DynamoDB calls of the self-hosted passkey layer, on its table alone; attach to the app runtime role or IAM user',
      statements: [
        new iam.PolicyStatement({
          actions: APP_TABLE_ACTIONS.map((action) => `dynamodb:${action}`),
          resources: [this.passkeyTable.tableArn],
        }),
        new iam.PolicyStatement({
          actions: APP_INDEX_ACTIONS.map((action) => `dynamodb:${action}`),
          resources: [indexArn],
        }),
      ],
    });

    for (const [name, fn] of Object.entries(this.triggers))
      new CfnOutput(this, `${name}FunctionArn`, { value: fn.functionArn });
    new CfnOutput(this, 'AppPolicyArn', { value: appPolicy.managedPolicyArn });
    new CfnOutput(this, 'PasskeyTableName', {
      description: 'DYNAMODB_TABLE',
      value: this.passkeyTable.tableName,
    });
    new CfnOutput(this, 'PasskeyTablePolicyArn', { value: tablePolicy.managedPolicyArn });
    new CfnOutput(this, 'NextStep', {
      description: settings.existingUserPoolId
        ? 'Attach the triggers and add the custom attributes to the existing pool, then copy the printed .env lines'
        : 'Prints the .env lines (client id and secret) for this pool; finds nothing to change',
      value: Fn.join('', [
        'COGNITO_USER_POOL_ID=',
        this.userPool.userPoolId,
        this.appClient ? Fn.join('', [' COGNITO_CLIENT_ID=', this.appClient.userPoolClientId]) : '',
        ' DYNAMODB_TABLE=',
        this.passkeyTable.tableName,
        ' npm run cognito:setup -- --apply',
        ` --define-auth-challenge=`,
        this.triggers.DefineAuthChallenge.functionArn,
        ` --create-auth-challenge=`,
        this.triggers.CreateAuthChallenge.functionArn,
        ` --verify-auth-challenge=`,
        this.triggers.VerifyAuthChallengeResponse.functionArn,
      ]),
    });
  }

  private triggerFunction(
    name: TriggerName,
    settings: DeploymentSettings,
    environment: Record<string, string>,
  ): lambda.Function {
    const logGroup = new logs.LogGroup(this, `${name}Logs`, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return new lambda.Function(this, `${name}Function`, {
      description: `Cognito ${name} trigger of the passkey app`,
      // The bundles target Node.js 20 syntax and run on any newer runtime.
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(settings.lambdasDir, TRIGGER_BUNDLES[name])),
      // Cognito waits at most 5 s for a trigger; 256 MB gives ES256 verification a fast cold start.
      memorySize: 256,
      timeout: Duration.seconds(5),
      environment,
      logGroup,
    });
  }

  private createPool(settings: DeploymentSettings): cognito.UserPool {
    const pool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: settings.userPoolName,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      // Users are created by the app (AdminCreateUser) after it has verified them, never by self sign-up.
      selfSignUpEnabled: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: Object.fromEntries(
        APP_CUSTOM_ATTRIBUTES.map((name) => [name, new cognito.StringAttribute({ mutable: true })]),
      ),
      passwordPolicy: {
        minLength: 8,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: false,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      // The pool holds the users: deleting the stack must never delete them.
      removalPolicy: RemovalPolicy.RETAIN,
      ...(this.triggers
        ? {
            lambdaTriggers: {
              defineAuthChallenge: this.triggers.DefineAuthChallenge,
              createAuthChallenge: this.triggers.CreateAuthChallenge,
              verifyAuthChallengeResponse: this.triggers.VerifyAuthChallengeResponse,
            },
          }
        : {}),
      ...(settings.native ? nativePasskeyPoolProps(settings.native) : {}),
    });
    if (settings.native) {
      // Email codes are sign-up and sign-in here; Cognito's own sender allows only a few a day.
      Annotations.of(pool).addWarningV2(
        'cognito-passkeys:default-email',
        "The pool sends its email codes with Cognito's default sender, which allows only a few messages a day: configure Amazon SES for production (EmailConfiguration DEVELOPER)",
      );
    }
    return pool;
  }

  /** A reference only: CloudFormation cannot change a pool it does not own. Cognito may invoke the functions for this pool. */
  private attachToExistingPool(userPoolId: string): cognito.IUserPool {
    const pool = cognito.UserPool.fromUserPoolId(this, 'ExistingUserPool', userPoolId);
    for (const fn of Object.values(this.triggers ?? {})) {
      fn.addPermission('InvokedByCognito', {
        principal: new iam.ServicePrincipal('cognito-idp.amazonaws.com'),
        sourceArn: pool.userPoolArn,
        sourceAccount: this.account,
      });
    }
    return pool;
  }

  private createAppClient(settings: DeploymentSettings): cognito.UserPoolClient {
    const tokenLifetime = Duration.minutes(settings.idAndAccessTokenMinutes);
    return this.userPool.addClient('AppClient', {
      userPoolClientName: APP_CLIENT_NAME,
      generateSecret: true,
      // Exactly the flows the app uses (no SRP, no admin password flow).
      authFlows: clientAuthFlows(poolRequirements(settings.native ? 'native' : 'custom-auth').authFlows),
      // The app talks to the Cognito API itself; no hosted UI, no OAuth redirects to keep safe.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: tokenLifetime,
      accessTokenValidity: tokenLifetime,
      refreshTokenValidity: Duration.days(settings.refreshTokenDays),
      authSessionValidity: Duration.minutes(3),
      // Users holding their own access token must not set the app's attributes. On an existing
      // pool the required attributes are unknown here, so the client keeps Cognito's default.
      ...(settings.existingUserPoolId
        ? {}
        : { writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true }) }),
    });
  }

  /**
   * On demand (no capacity to plan), point-in-time recovery, TTL on the items that expire, and
   * guarded twice against loss: deletion protection, and kept when the stack is deleted.
   */
  private createPasskeyTable(): dynamodb.Table {
    const table = new dynamodb.Table(this, 'PasskeyTable', {
      partitionKey: { name: PASSKEY_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: PASSKEY_TABLE.ttlAttribute,
      deletionProtection: true,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    table.addGlobalSecondaryIndex({
      indexName: PASSKEY_TABLE.ownerIndex.name,
      partitionKey: { name: PASSKEY_TABLE.ownerIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: PASSKEY_TABLE.ownerIndex.sortKey, type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    return table;
  }
}
