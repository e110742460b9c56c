/**
 * `npm run store:create-table`: creates the DynamoDB passkey table from the app's own definition
 * (lib/store/dynamodb-table.ts) at DYNAMODB_ENDPOINT, for local runs on dynalite. On AWS the
 * table comes from infra/ instead, with its backups, TTL and deletion protection.
 */
import { loadEnvConfig } from '@next/env';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { passkeyTableDefinition } from '../lib/store/dynamodb-table';

async function main(): Promise<void> {
  loadEnvConfig(process.cwd(), true, { info: () => undefined, error: console.error });
  const endpoint = process.env.DYNAMODB_ENDPOINT?.trim();
  const table = process.env.DYNAMODB_TABLE?.trim();
  if (!endpoint || !table) {
    console.error(
      'Set DYNAMODB_ENDPOINT (e.g. http://127.0.0.1:4567) and DYNAMODB_TABLE; on AWS, infra/ creates the table',
    );
    process.exit(1);
  }
  const client = new DynamoDBClient({ region: process.env.DYNAMODB_REGION?.trim() || 'us-east-1', endpoint });
  try {
    await client.send(new CreateTableCommand(passkeyTableDefinition(table)));
    console.log(`Created table ${table} at ${endpoint}.`);
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    console.log(`Table ${table} exists at ${endpoint}.`);
  }
}

process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
main().catch((error: Error) => {
  console.error(`Creating the table failed: ${error.message}`);
  process.exit(1);
});
