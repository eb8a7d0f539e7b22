import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MspError, type ErrorCode } from '../../common/errors.ts';

/**
 * The platform's HTTP API (docs/api.md): read endpoints for dashboards and NOC tools, and the
 * write endpoints operators use (acknowledge, resolve). JSON in and out, errors as
 * `{ error: { code, message } }` with stable codes. Loopback by default.
 */
export interface PlatformApi {
  health(): Record<string, unknown>;
  devices(filter: { site?: string; building?: string; liveness?: string; kind?: string }): unknown[];
  device(id: string): unknown | undefined;
  alerts(filter: { status?: string; device?: string }): unknown[];
  incidents(filter: { status?: string; priority?: string }): unknown[];
  incident(id: string): unknown | undefined;
  sla(from_ms: number | undefined, to_ms: number | undefined): unknown;
  ingestStats(): unknown;
  /** Operator actions; return undefined when the id is unknown, or an error code when refused. */
  acknowledgeIncident(id: string, by: string): unknown | undefined;
  resolveIncident(id: string, by: string): unknown | undefined;
  acknowledgeAlert(id: string, by: string): unknown | undefined;
  resolveAlert(id: string, by: string): unknown | undefined;
  /** Rollouts (docs/patching.md). Refusals throw ApiError (400 bad plan, 404 unknown, 409 wrong state). */
  rollouts(): unknown[];
  rollout(id: string): unknown | undefined;
  createRollout(plan: Record<string, unknown>, by: string): unknown;
  rolloutAction(id: string, action: 'pause' | 'resume' | 'cancel', by: string, reason: string | undefined): unknown;
}

export interface HttpApiOptions {
  readonly host?: string;
  readonly port?: number;
  /** Test-only: added latency per request, to prove regression gates catch a slowdown. */
  readonly artificial_delay_ms?: number;
  /** Prometheus exposition for `GET /metrics` (harness/metrics); absent = no such route. */
  readonly metrics?: () => Promise<{ content_type: string; body: string }>;
}

export interface HttpApi {
  readonly url: string;
  readonly port: number;
  readonly stats: { requests: number; errors: number };
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

/** A refusal with an HTTP status and a stable code; API implementations throw it too. */
export class ApiError extends MspError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message, { code_in_message: false });
    this.name = 'ApiError';
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'API_BODY_TOO_LARGE', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new ApiError(400, 'API_BAD_JSON', 'request body must be a JSON object');
  }
}

function optionalString(q: URLSearchParams, key: string): string | undefined {
  const v = q.get(key);
  return v === null || v === '' ? undefined : v;
}

function optionalInt(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new ApiError(400, 'API_BAD_QUERY', `${key} must be an integer (epoch ms), got "${v}"`);
  return n;
}

type Route = (api: PlatformApi, url: URL, req: IncomingMessage, params: string[]) => Promise<[number, unknown]> | [number, unknown];

const ROUTES: Array<[string, RegExp, Route]> = [
  ['GET', /^\/api\/v1\/health$/, (api) => [200, api.health()]],
  ['GET', /^\/api\/v1\/devices$/, (api, url) => [200, api.devices({ site: optionalString(url.searchParams, 'site'), building: optionalString(url.searchParams, 'building'), liveness: optionalString(url.searchParams, 'liveness'), kind: optionalString(url.searchParams, 'kind') })]],
  ['GET', /^\/api\/v1\/devices\/([^/]+)$/, (api, _u, _r, [id]) => found(api.device(id!), 'device', id!)],
  ['GET', /^\/api\/v1\/alerts$/, (api, url) => [200, api.alerts({ status: optionalString(url.searchParams, 'status'), device: optionalString(url.searchParams, 'device') })]],
  ['GET', /^\/api\/v1\/incidents$/, (api, url) => [200, api.incidents({ status: optionalString(url.searchParams, 'status'), priority: optionalString(url.searchParams, 'priority') })]],
  ['GET', /^\/api\/v1\/incidents\/([^/]+)$/, (api, _u, _r, [id]) => found(api.incident(id!), 'incident', id!)],
  ['GET', /^\/api\/v1\/sla$/, (api, url) => [200, api.sla(optionalInt(url.searchParams, 'from'), optionalInt(url.searchParams, 'to'))]],
  ['GET', /^\/api\/v1\/ingest$/, (api) => [200, api.ingestStats()]],
  ['POST', /^\/api\/v1\/incidents\/([^/]+)\/(ack|resolve)$/, async (api, _u, req, [id, op]) => {
    const by = await operator(req);
    return found(op === 'ack' ? api.acknowledgeIncident(id!, by) : api.resolveIncident(id!, by), 'incident', id!);
  }],
  ['POST', /^\/api\/v1\/alerts\/([^/]+)\/(ack|resolve)$/, async (api, _u, req, [id, op]) => {
    const by = await operator(req);
    return found(op === 'ack' ? api.acknowledgeAlert(id!, by) : api.resolveAlert(id!, by), 'alert', id!);
  }],
  ['GET', /^\/api\/v1\/rollouts$/, (api) => [200, api.rollouts()]],
  ['POST', /^\/api\/v1\/rollouts$/, async (api, _u, req) => {
    const body = await readJson(req);
    const { by, ...plan } = body;
    return [201, api.createRollout(plan, typeof by === 'string' && by.length > 0 ? by.slice(0, 64) : 'api')];
  }],
  ['GET', /^\/api\/v1\/rollouts\/([^/]+)$/, (api, _u, _r, [id]) => found(api.rollout(id!), 'rollout', id!)],
  ['POST', /^\/api\/v1\/rollouts\/([^/]+)\/(pause|resume|cancel)$/, async (api, _u, req, [id, op]) => {
    const body = await readJson(req);
    const by = body.by;
    if (typeof by !== 'string' || by.length === 0 || by.length > 64) throw new ApiError(400, 'API_BAD_BODY', 'body must be {"by": "<operator name>", "reason"?: "<why>"}');
    const reason = typeof body.reason === 'string' ? body.reason.slice(0, 200) : undefined;
    return [200, api.rolloutAction(id!, op as 'pause' | 'resume' | 'cancel', by, reason)];
  }],
];

async function operator(req: IncomingMessage): Promise<string> {
  const body = await readJson(req);
  const by = body.by;
  if (typeof by !== 'string' || by.length === 0 || by.length > 64) throw new ApiError(400, 'API_BAD_BODY', 'body must be {"by": "<operator name>"}');
  return by;
}

function found(value: unknown, what: string, id: string): [number, unknown] {
  if (value === undefined) throw new ApiError(404, 'API_NOT_FOUND', `no ${what} "${id}"`);
  return [200, value];
}

export async function startHttpApi(api: PlatformApi, options: HttpApiOptions = {}): Promise<HttpApi> {
  const stats = { requests: 0, errors: 0 };
  const delay_ms = options.artificial_delay_ms ?? 0;
  const server: Server = createServer((req, res) => {
    stats.requests++;
    void (async () => {
      try {
        // A test-only slowdown, used to prove that a CI regression gate fires.
        if (delay_ms > 0) await new Promise((r) => setTimeout(r, delay_ms)); // wall-clock: test-only slowdown
        const url = new URL(req.url ?? '/', 'http://localhost');
        const method = req.method ?? 'GET';
        if (options.metrics && url.pathname === '/metrics' && method === 'GET') {
          const m = await options.metrics();
          res.writeHead(200, { 'content-type': m.content_type, 'content-length': Buffer.byteLength(m.body), 'cache-control': 'no-store' });
          res.end(m.body);
          return;
        }
        let matched_path = false;
        for (const [m, pattern, route] of ROUTES) {
          const match = pattern.exec(url.pathname);
          if (!match) continue;
          matched_path = true;
          if (m !== method) continue;
          const [status, body] = await route(api, url, req, match.slice(1).map(decodeURIComponent));
          send(res, status, body);
          return;
        }
        if (matched_path) throw new ApiError(405, 'API_METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}`);
        throw new ApiError(404, 'API_NO_ROUTE', `no route ${method} ${url.pathname} (see docs/api.md)`);
      } catch (err) {
        stats.errors++;
        if (err instanceof ApiError) send(res, err.status, { error: { code: err.code, message: err.message } });
        else send(res, 500, { error: { code: 'API_INTERNAL', message: err instanceof Error ? err.message : String(err) } });
      }
    })();
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
