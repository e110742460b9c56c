import { withSpan } from './tracing';

/**
 * One call to Corbado (its Backend API, or @corbado/node-sdk, whose token check may fetch the
 * project's JWKS) as a span `corbado.<operation>`, e.g. `corbado.verifySignedData`.
 */
export function corbadoCall<T>(operation: string, run: () => Promise<T>): Promise<T> {
  return withSpan(`corbado.${operation}`, { 'rpc.system': 'corbado', 'rpc.method': operation }, run);
}
