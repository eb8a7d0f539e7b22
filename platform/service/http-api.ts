import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MspError, type ErrorCode } from '../../common/errors.ts';
import { generateApiToken, guardRequest, isLoopbackHost } from './http-guard.ts';

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
  /**
   * Adds a device to provisioning (docs/security.md): `entry` is validated like a --fleet row.
   * `created` false = the same device was already provisioned (nothing changed). Refusals throw
   * ApiError (400 invalid, 409 contradicts the provisioned or registered device, 507 full).
   */
  provisionDevice(entry: unknown, by: string): { created: boolean; body: unknown };
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
  /**
   * Bearer token every write must present (docs/security.md). Absent: one is generated (read it
   * from `HttpApi.token` and print it); a bind beyond loopback refuses to start without one.
   */
  readonly token?: string;
  /** Host names the API answers to besides loopback ones (`*` = any): needed behind a real name. */
  readonly allowed_hosts?: readonly string[];
  /** Browser origins allowed besides loopback ones (`*` = any). */
  readonly allowed_origins?: readonly string[];
}

export interface HttpApi {
  readonly url: string;
  readonly port: number;
  /** The bearer token writes need (the configured one, or the generated one). */
  readonly token: string;
  readonly stats: { requests: number; errors: number };
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
/** List endpoints answer at most this many items per page (`limit`), DEFAULT_PAGE when not asked. */
export const MAX_PAGE = 5_000;
export const DEFAULT_PAGE = 1_000;
/** Shortest accepted configured token: a guessable token protects nothing. */
const MIN_TOKEN_LENGTH = 16;

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

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
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
  const n = /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new ApiError(400, 'API_BAD_QUERY', `${key} must be a non-negative integer (epoch ms), got "${v.slice(0, 64)}"`);
  return n;
}

function slaRange(q: URLSearchParams): [number | undefined, number | undefined] {
  const from = optionalInt(q, 'from');
  const to = optionalInt(q, 'to');
  if (from !== undefined && to !== undefined && from > to) throw new ApiError(400, 'API_BAD_QUERY', `from (${from}) is after to (${to})`);
  return [from, to];
}

/** The id a list item is paged by: `id`, or `info.id` for devices. */
function itemId(item: unknown): string {
  const o = item as { id?: unknown; info?: { id?: unknown } };
  return String(o.id ?? o.info?.id ?? '');
}

/**
 * Cursor paging over a list sorted by id: `limit` (1…MAX_PAGE) items after `cursor` (the last id
 * of the previous page). The body stays a JSON array; the next page is named in `Link` and
 * `X-Next-Cursor`, so existing clients keep working and a 20k-device registry is never one answer.
 */
function page(items: unknown[], url: URL): { body: unknown[]; headers: Record<string, string> } {
  const q = url.searchParams;
  const raw_limit = q.get('limit');
  let limit = DEFAULT_PAGE;
  if (raw_limit !== null && raw_limit !== '') {
    limit = /^\d{1,7}$/.test(raw_limit) ? Number(raw_limit) : NaN;
    if (!(limit >= 1 && limit <= MAX_PAGE)) throw new ApiError(400, 'API_BAD_QUERY', `limit must be an integer from 1 to ${MAX_PAGE}, got "${raw_limit.slice(0, 64)}"`);
  }
  const cursor = q.get('cursor') ?? '';
  const sorted = items.map((item) => [itemId(item), item] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let start = 0;
  if (cursor !== '') {
    // First id after the cursor (binary search: the list is sorted by id).
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]![0] <= cursor) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const slice = sorted.slice(start, start + limit);
  const headers: Record<string, string> = {};
  if (start + limit < sorted.length) {
    const next = slice[slice.length - 1]![0];
    const next_url = new URL(url.pathname + url.search, 'http://x');
    next_url.searchParams.set('cursor', next);
    next_url.searchParams.set('limit', String(limit));
    headers['x-next-cursor'] = next;
    headers.link = `<${next_url.pathname}${next_url.search}>; rel="next"`;
  }
  return { body: slice.map((e) => e[1]), headers };
}

/** A route's answer: status and body, plus headers (paging). */
type Answer = [number, unknown] | [number, unknown, Record<string, string>];

function paged(items: unknown[], url: URL): Answer {
  const p = page(items, url);
  return [200, p.body, p.headers];
}

type Route = (api: PlatformApi, url: URL, req: IncomingMessage, params: string[]) => Promise<Answer> | Answer;

const ROUTES: Array<[string, RegExp, Route]> = [
  ['GET', /^\/api\/v1\/health$/, (api) => [200, api.health()]],
  ['GET', /^\/api\/v1\/devices$/, (api, url) => paged(api.devices({ site: optionalString(url.searchParams, 'site'), building: optionalString(url.searchParams, 'building'), liveness: optionalString(url.searchParams, 'liveness'), kind: optionalString(url.searchParams, 'kind') }), url)],
  ['POST', /^\/api\/v1\/devices$/, async (api, _u, req) => {
    const { by, ...entry } = await readJson(req);
    const r = api.provisionDevice(entry, typeof by === 'string' && by.length > 0 ? by.slice(0, 64) : 'api');
    return r.created ? [201, r.body] : [200, r.body];
  }],
  ['GET', /^\/api\/v1\/devices\/([^/]+)$/, (api, _u, _r, [id]) => found(api.device(id!), 'device', id!)],
  ['GET', /^\/api\/v1\/alerts$/, (api, url) => paged(api.alerts({ status: optionalString(url.searchParams, 'status'), device: optionalString(url.searchParams, 'device') }), url)],
  ['GET', /^\/api\/v1\/incidents$/, (api, url) => paged(api.incidents({ status: optionalString(url.searchParams, 'status'), priority: optionalString(url.searchParams, 'priority') }), url)],
  ['GET', /^\/api\/v1\/incidents\/([^/]+)$/, (api, _u, _r, [id]) => found(api.incident(id!), 'incident', id!)],
  ['GET', /^\/api\/v1\/sla$/, (api, url) => [200, api.sla(...slaRange(url.searchParams))]],
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

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, 'API_BAD_PATH', `malformed percent-encoding in the path: "${segment.slice(0, 64)}"`);
  }
}

/** The API cannot start as configured (exit 2). */
export class ApiConfigError extends MspError {
  constructor(code: 'API_TOKEN_REQUIRED' | 'API_TOKEN_WEAK', message: string) {
    super(code, message);
    this.name = 'ApiConfigError';
  }
}

export async function startHttpApi(api: PlatformApi, options: HttpApiOptions = {}): Promise<HttpApi> {
  const stats = { requests: 0, errors: 0 };
  const delay_ms = options.artificial_delay_ms ?? 0;
  const host = options.host ?? '127.0.0.1';
  if (options.token === undefined && !isLoopbackHost(host)) {
    // A generated token printed to a console is fine for a local tool, not for a network service.
    throw new ApiConfigError('API_TOKEN_REQUIRED', `the API binds ${host}, beyond loopback: give it a token (--api-token or MSP_TWIN_API_TOKEN)`);
  }
  if (options.token !== undefined && options.token.length < MIN_TOKEN_LENGTH) {
    throw new ApiConfigError('API_TOKEN_WEAK', `the API token must be at least ${MIN_TOKEN_LENGTH} characters`);
  }
  const token = options.token ?? generateApiToken();
  const guard = { token, ...(options.allowed_hosts ? { allowed_hosts: options.allowed_hosts } : {}), ...(options.allowed_origins ? { allowed_origins: options.allowed_origins } : {}) };
  const server: Server = createServer((req, res) => {
    stats.requests++;
    void (async () => {
      try {
        // A test-only slowdown, used to prove that a CI regression gate fires.
        if (delay_ms > 0) await new Promise((r) => setTimeout(r, delay_ms)); // wall-clock: test-only slowdown
        const method = req.method ?? 'GET';
        // Host and Origin for every request; the write checks once a write route is matched, so
        // every route that is not a GET is covered whatever its method.
        const refusal = guardRequest(req, false, guard);
        if (refusal !== undefined) throw new ApiError(refusal.status, refusal.code, refusal.message);
        let url: URL;
        try {
          url = new URL(req.url ?? '/', 'http://localhost');
        } catch {
          throw new ApiError(400, 'API_BAD_PATH', 'malformed request target');
        }
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
          if (m !== 'GET') {
            const write_refusal = guardRequest(req, true, guard);
            if (write_refusal !== undefined) throw new ApiError(write_refusal.status, write_refusal.code, write_refusal.message);
          }
          const [status, body, headers] = await route(api, url, req, match.slice(1).map(decodeSegment));
          send(res, status, body, headers);
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    token,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
