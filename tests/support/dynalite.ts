import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startEmbeddedDynamoDb } from '../../embedded-cognito/dynamodb';

export { DYNALITE_CREDENTIALS } from '../../embedded-cognito/dynamodb';

/**
 * DynamoDB for the tests: the embedded default's dynalite (embedded-cognito/dynamodb.ts), in
 * memory, on a port of 127.0.0.1 it bound itself, with the passkey table created from the same
 * definition the app and infra/ use. dynalite has no TTL sweeper and no transactions: expiry is
 * the app's own check, single use a conditional write, exactly as against AWS.
 */

export interface TestDynamoDb {
  endpoint: string;
  table: string;
  /** The app's environment for this table (dynalite accepts any credentials). */
  env: Record<string, string>;
  client: DynamoDBClient;
  /** Requests dynalite received, per operation (GetItem, Query, ...), as the server counted them. */
  calls: Map<string, number>;
  /**
   * Runs `run` while DynamoDB answers every request with a 500 InternalServerError (an outage of
   * the table, as AWS reports one), then serves again.
   */
  whileFailing<T>(run: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export async function startTestDynamoDb(table = 'cognito-passkeys-test'): Promise<TestDynamoDb> {
  const dynamo = await startEmbeddedDynamoDb({ table });
  const calls = new Map<string, number>();
  let failing = false;
  const serve = dynamo.server.listeners('request') as RequestListener[];
  dynamo.server.removeAllListeners('request');
  dynamo.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    // X-Amz-Target: DynamoDB_20120810.<Operation>
    const operation = String(request.headers['x-amz-target'] ?? 'unknown')
      .split('.')
      .pop()!;
    calls.set(operation, (calls.get(operation) ?? 0) + 1);
    if (!failing) {
      for (const listener of serve) listener.call(dynamo.server, request, response);
      return;
    }
    request.resume();
    response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
    response.end(
      JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        message: 'Internal server error (injected by the test)',
      }),
    );
  });
  return {
    endpoint: dynamo.endpoint,
    table,
    env: dynamo.variables,
    client: dynamo.client,
    calls,
    async whileFailing(run) {
      failing = true;
      try {
        return await run();
      } finally {
        failing = false;
      }
    },
    stop: dynamo.close,
  };
}
