import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny OpenTelemetry collector for tests and the bench: an OTLP/HTTP receiver (JSON encoding,
 * what `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` sends) on a random local port that keeps what the
 * app exports, in memory. Pointing the app at it with the standard OTEL_* variables is the whole
 * point: the test proves that those variables switch telemetry on and reach an exporter.
 */

export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error (OTLP's StatusCode). */
  statusCode: number;
  resource: Record<string, unknown>;
}

export interface CollectedPoint {
  metric: string;
  attributes: Record<string, unknown>;
  /** A sum's value, or a histogram's count. */
  value: number;
  /** A histogram's sum; undefined for a counter. */
  sum?: number;
}

export interface OtlpCollector {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT: the exporters append /v1/traces and /v1/metrics. */
  endpoint: string;
  spans(): CollectedSpan[];
  /** The newest data point of each metric and attribute set (the SDK exports cumulative sums). */
  points(): CollectedPoint[];
  /** How many export requests arrived, of each signal. */
  requests: { traces: number; metrics: number; other: number };
  /** Resolves once `check` is true of what arrived, or fails after `timeoutMs`. */
  waitFor(check: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: unknown;
};
type OtlpAttribute = { key: string; value: OtlpValue };

/** OTLP JSON attributes as a plain object (64-bit integers arrive as strings). */
export function attributesOf(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    result[key] =
      value.stringValue ??
      (value.intValue !== undefined
        ? Number(value.intValue)
        : (value.doubleValue ?? value.boolValue ?? value.arrayValue));
  }
  return result;
}

interface TraceRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes?: OtlpAttribute[];
        status?: { code?: number };
      }[];
    }[];
  }[];
}

type DataPoint = {
  attributes?: OtlpAttribute[];
  asInt?: string | number;
  asDouble?: number;
  count?: string | number;
  sum?: number;
};
interface MetricRequest {
  resourceMetrics?: {
    scopeMetrics?: {
      metrics?: { name: string; sum?: { dataPoints?: DataPoint[] }; histogram?: { dataPoints?: DataPoint[] } }[];
    }[];
  }[];
}

export async function startOtlpCollector(options: { keep?: boolean } = {}): Promise<OtlpCollector> {
  const keep = options.keep ?? true;
  const spans: CollectedSpan[] = [];
  const latest = new Map<string, CollectedPoint>();
  const requests = { traces: 0, metrics: 0, other: 0 };

  const receiveTraces = (body: TraceRequest) => {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const resource = attributesOf(resourceSpans.resource?.attributes);
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            attributes: attributesOf(span.attributes),
            statusCode: span.status?.code ?? 0,
            resource,
          });
        }
      }
    }
  };
  const receiveMetrics = (body: MetricRequest) => {
    for (const resourceMetrics of body.resourceMetrics ?? []) {
      for (const scope of resourceMetrics.scopeMetrics ?? []) {
        for (const metric of scope.metrics ?? []) {
          const histogram = Boolean(metric.histogram);
          for (const point of (metric.sum ?? metric.histogram)?.dataPoints ?? []) {
            const attributes = attributesOf(point.attributes);
            const value = Number(histogram ? point.count : (point.asInt ?? point.asDouble));
            const key = `${metric.name} ${JSON.stringify(Object.entries(attributes).sort())}`;
            latest.set(key, { metric: metric.name, attributes, value, ...(histogram ? { sum: point.sum } : {}) });
          }
        }
      }
    }
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const signal = request.url === '/v1/traces' ? 'traces' : request.url === '/v1/metrics' ? 'metrics' : 'other';
      requests[signal] += 1;
      if (keep && signal !== 'other') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as TraceRequest & MetricRequest;
        if (signal === 'traces') receiveTraces(body);
        else receiveMetrics(body);
      }
      response.writeHead(signal === 'other' ? 404 : 200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans: () => [...spans],
    points: () => [...latest.values()],
    requests,
    async waitFor(check, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline)
          throw new Error(`the collector did not get what was expected within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The environment that points the app at `collector` with nothing but standard OTEL_* variables,
 * exporting often enough for a test to see its data within a second.
 */
export function otelEnvironment(
  collector: Pick<OtlpCollector, 'endpoint'>,
  serviceName: string,
): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: serviceName,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_METRIC_EXPORT_INTERVAL: '500',
    OTEL_METRIC_EXPORT_TIMEOUT: '500',
  };
}
