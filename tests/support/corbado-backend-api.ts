import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Stands in for Corbado's Backend API (https://backendapi.cloud.corbado.io/v2), which cannot
 * run here, speaking its documented shapes for the one call the app makes:
 *
 *   GET /v2/identifiers?filter[]=userID:eq:<id without usr->&filter[]=identifierType:eq:email
 *   Authorization: Basic base64(<projectID>:<apiSecret>)
 *   200 {"identifiers": [{identifierID, type, value, status, userID}], "paging": {page, totalPages, totalItems}}
 *
 * and Corbado's error shape otherwise ({httpStatusCode, message, requestData, runtime, error}).
 */

export interface TestIdentifier {
  identifierID: string;
  type: 'email' | 'phone' | 'username';
  value: string;
  /** `pending` (unverified), `verified` or `primary`. */
  status: 'pending' | 'verified' | 'primary';
  /** usr-<digits> */
  userID: string;
}

export interface TestBackendApi {
  /** CORBADO_BACKEND_API */
  origin: string;
  identifiers: TestIdentifier[];
  /** Every request received, as path + query. */
  requests: string[];
  /** Answer every request with this HTTP status (Corbado's error shape), until set back to null. */
  failWith: number | null;
  stop(): Promise<void>;
}

function filterMatches(filter: string, identifier: TestIdentifier): boolean {
  const [field, op, ...rest] = filter.split(':');
  const value = rest.join(':');
  if (op !== 'eq') return false;
  if (field === 'userID') return identifier.userID.replace(/^usr-/, '') === value.replace(/^usr-/, '');
  if (field === 'identifierType') return identifier.type === value;
  if (field === 'identifierValue') return identifier.value === value;
  return false;
}

export async function startTestBackendApi(projectId: string, apiSecret: string): Promise<TestBackendApi> {
  const expectedAuth = `Basic ${Buffer.from(`${projectId}:${apiSecret}`).toString('base64')}`;
  const state: Omit<TestBackendApi, 'stop' | 'origin'> = { identifiers: [], requests: [], failWith: null };

  const error = (status: number, message: string) =>
    JSON.stringify({
      httpStatusCode: status,
      message,
      requestData: { requestID: `req-${Date.now()}`, link: '' },
      runtime: 0.01,
      error: { type: status === 401 ? 'login_error' : 'internal_error', details: message, validation: [] },
    });

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://backend.invalid');
    state.requests.push(`${url.pathname}${url.search}`);
    res.setHeader('content-type', 'application/json');
    if (state.failWith !== null) {
      res.writeHead(state.failWith).end(error(state.failWith, 'The test made Corbado fail'));
      return;
    }
    if (req.headers.authorization !== expectedAuth || req.headers['x-corbado-projectid'] !== projectId) {
      res.writeHead(401).end(error(401, 'Login error'));
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/v2/identifiers') {
      res.writeHead(404).end(error(404, 'Not found'));
      return;
    }
    const filters = url.searchParams.getAll('filter[]');
    const page = Number(url.searchParams.get('page') ?? '1');
    const pageSize = Number(url.searchParams.get('pageSize') ?? '10');
    const matching = state.identifiers.filter((identifier) =>
      filters.every((filter) => filterMatches(filter, identifier)),
    );
    const identifiers = matching.slice((page - 1) * pageSize, page * pageSize);
    res.writeHead(200).end(
      JSON.stringify({
        identifiers,
        paging: { page, totalPages: Math.max(1, Math.ceil(matching.length / pageSize)), totalItems: matching.length },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    origin,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients keep connections alive; an outage (or a test's end) drops them too.
        server.closeAllConnections();
      }),
  });
}
