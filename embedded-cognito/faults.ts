import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { quotaCategoryOf, type QuotaCategory } from '../lib/cognito/quota-categories';

/**
 * Fault injection for the embedded Cognito, so tests can prove what the app does when Cognito
 * misbehaves: throttling, internal errors, cut connections and slow answers, per operation, for
 * every call or only the Nth. It sits in front of the emulator's HTTP server (not inside the
 * operation router) because a real outage also cuts connections and delays answers, which only
 * the HTTP layer can do; the operation is read from the X-Amz-Target header as AWS routes it.
 *
 * Inert until a rule is added: with no rules, every request passes untouched (and is counted).
 */

export type CognitoFault =
  /** 400 ThrottlingException, as Cognito answers a client over its request quota. */
  | { kind: 'throttle' }
  /** 500 InternalErrorException. */
  | { kind: 'internal-error' }
  /** The connection is destroyed before any answer: the client sees a reset (socket hang up). */
  | { kind: 'reset' }
  /** The operation runs at once, but its answer leaves `ms` later: a slow Cognito that still did the work. */
  | { kind: 'slow'; ms: number };

export interface FaultRule {
  /** An operation (`AdminSetUserPassword`, the X-Amz-Target suffix), `jwks` for the pool's key set, or `*` for all. */
  operation: string;
  fault: CognitoFault;
  /** Let this many matching requests through first: the Nth call fails with `skip: N - 1, times: 1`. Default 0. */
  skip?: number;
  /** Fail this many matching requests, then let them pass again. Default: every one. */
  times?: number;
}

/**
 * Cognito's request-rate quotas, imitated: at most `perSecond` requests per second per category
 * (names as in lib/cognito/quota-categories.ts: UserAuthentication, UserCreation...), each a
 * token bucket that holds one second's worth, as a quota allows a short burst up to it. A
 * request over its category's rate is answered 400 TooManyRequestsException, as Cognito does,
 * and is not run. Operations outside the listed categories are never throttled.
 */
export type QuotaLimits = Partial<Record<QuotaCategory, number>>;

/** One request as it reached the emulator, before any fault. */
export interface Arrival {
  operation: string;
  /** ms since the epoch. */
  at: number;
  /** The SDK's `amz-sdk-request` header (`attempt=2; max=3`), which says whether this was a retry. */
  sdkAttempt: string | null;
  /** The fault applied to it, if any (`quota`: over its category's rate, see limitRates). */
  fault: CognitoFault['kind'] | 'quota' | null;
}

interface ActiveRule extends FaultRule {
  seen: number;
}

/** The most recent arrivals kept for inspection; counts are kept for all. */
const ARRIVAL_LOG_LIMIT = 10_000;

const ERROR_ANSWERS = {
  throttle: { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
  'internal-error': { status: 500, type: 'InternalErrorException', message: 'Internal server error' },
  quota: { status: 400, type: 'TooManyRequestsException', message: 'Too many requests' },
} as const;

/** `AdminSetUserPassword` for Cognito's JSON API, `jwks` / `openid-configuration` for the well-known documents. */
export function operationOf(req: IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) return target.slice(target.indexOf('.') + 1);
  const wellKnown = /\/\.well-known\/(jwks\.json|openid-configuration)$/.exec(req.url ?? '');
  if (wellKnown) return wellKnown[1] === 'jwks.json' ? 'jwks' : 'openid-configuration';
  return `${req.method ?? 'GET'} ${req.url ?? '/'}`;
}

/** The test's handle on one emulator's faults: add and clear rules at run time, read what arrived. */
export class CognitoFaults {
  private rules: ActiveRule[] = [];
  private readonly counts = new Map<string, number>();
  private log: Arrival[] = [];
  private received = 0;
  /** The token bucket of each rate-limited category (limitRates). */
  private readonly quotas = new Map<QuotaCategory, { perSecond: number; tokens: number; at: number }>();
  private readonly throttledCounts = new Map<string, number>();

  /** Adds a rule; rules are tried in the order they were added, the first that applies wins. */
  inject(rule: FaultRule): void {
    this.rules.push({ ...rule, seen: 0 });
  }

  /** Removes every rule and rate limit: the emulator behaves normally again. */
  clear(): void {
    this.rules = [];
    this.quotas.clear();
  }

  /** Throttles each listed category to `perSecond` requests per second (QuotaLimits), replacing earlier limits. */
  limitRates(limits: QuotaLimits): void {
    this.quotas.clear();
    for (const [category, perSecond] of Object.entries(limits) as [QuotaCategory, number][]) {
      this.quotas.set(category, { perSecond, tokens: perSecond, at: Date.now() });
    }
  }

  /** Takes one token from the operation's category; false when its bucket is empty. */
  private withinQuota(operation: string): boolean {
    const category = quotaCategoryOf(operation);
    const bucket = category && this.quotas.get(category);
    if (!bucket) return true;
    const now = Date.now();
    bucket.tokens = Math.min(bucket.perSecond, bucket.tokens + ((now - bucket.at) / 1000) * bucket.perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** How many requests the rate limits refused, by operation, since the emulator started. */
  get throttled(): Record<string, number> {
    return Object.fromEntries(this.throttledCounts);
  }

  /** How many requests arrived in all (faulted or not) since the emulator started. */
  get total(): number {
    return this.received;
  }

  /** How many requests for `operation` arrived (faulted or not) since the emulator started. */
  arrived(operation: string): number {
    return this.counts.get(operation) ?? 0;
  }

  /** The recent arrivals for `operation` (all operations when omitted), oldest first. */
  arrivals(operation?: string): Arrival[] {
    return operation === undefined ? [...this.log] : this.log.filter((entry) => entry.operation === operation);
  }

  /** Wraps the emulator's request listener. */
  around(listener: RequestListener): RequestListener {
    return (req, res) => {
      const operation = operationOf(req);
      const fault = this.faultFor(operation);
      const overQuota = !fault && !this.withinQuota(operation);
      this.record(operation, req, overQuota ? { kind: 'quota' } : fault);
      if (overQuota) {
        this.throttledCounts.set(operation, (this.throttledCounts.get(operation) ?? 0) + 1);
        return answerError(res, ERROR_ANSWERS.quota);
      }
      if (!fault) return listener(req, res);
      switch (fault.kind) {
        case 'reset':
          req.socket.destroy();
          return;
        case 'slow':
          holdAnswer(res, fault.ms);
          return listener(req, res);
        default:
          answerError(res, ERROR_ANSWERS[fault.kind]);
      }
    };
  }

  private faultFor(operation: string): CognitoFault | null {
    for (const rule of this.rules) {
      if (rule.operation !== '*' && rule.operation !== operation) continue;
      rule.seen += 1;
      const skip = rule.skip ?? 0;
      if (rule.seen <= skip) continue;
      if (rule.times !== undefined && rule.seen > skip + rule.times) continue;
      return rule.fault;
    }
    return null;
  }

  private record(operation: string, req: IncomingMessage, fault: { kind: Arrival['fault'] } | null): void {
    this.received += 1;
    this.counts.set(operation, this.arrived(operation) + 1);
    const sdkAttempt = req.headers['amz-sdk-request'];
    this.log.push({
      operation,
      at: Date.now(),
      sdkAttempt: typeof sdkAttempt === 'string' ? sdkAttempt : null,
      fault: fault?.kind ?? null,
    });
    if (this.log.length > ARRIVAL_LOG_LIMIT) this.log = this.log.slice(-ARRIVAL_LOG_LIMIT / 2);
  }
}

function answerError(
  res: ServerResponse,
  { status, type, message }: { status: number; type: string; message: string },
): void {
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': type,
  });
  res.end(body);
}

/** Lets the operation run but sends its answer `ms` later; nothing is sent if the client gave up meanwhile. */
function holdAnswer(res: ServerResponse, ms: number): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    setTimeout(() => {
      if (!res.destroyed) end(...args);
    }, ms);
    return res;
  }) as ServerResponse['end'];
}
