import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Who may talk to the platform's HTTP API (docs/security.md). Pure request checks, kept apart from
 * routing so each is testable and the order they run in is in one place:
 *
 * 1. Host: a DNS-rebinding page (evil.example resolving to 127.0.0.1) reaches a loopback API from
 *    the operator's browser with `Host: evil.example`; only the names the API answers to pass.
 * 2. Origin: a browser names the page that sent a request; a page from another origin must not
 *    drive the API (CSRF: a form post `text/plain` to `/rollouts` once sent `cmd/ota`).
 * 3. Writes need `Authorization: Bearer <token>` and `Content-Type: application/json` (a form
 *    or `text/plain` post cannot set either without a CORS preflight, which the API never grants).
 */

export type ApiGuardCode = 'API_HOST_REFUSED' | 'API_ORIGIN_REFUSED' | 'API_UNAUTHORIZED' | 'API_UNSUPPORTED_MEDIA_TYPE';

export interface GuardRefusal {
  readonly status: number;
  readonly code: ApiGuardCode;
  readonly message: string;
}

export interface ApiGuardOptions {
  /** Bearer token for writes. */
  readonly token: string;
  /** Host names (without port) the API answers to besides the loopback names; `*` = any. */
  readonly allowed_hosts?: readonly string[];
  /** Origins (`https://noc.example.com`) allowed besides loopback ones; `*` = any. */
  readonly allowed_origins?: readonly string[];
}

const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** True for names that always mean this machine: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h.endsWith('.localhost');
}

/** The host name of a Host header value (`[::1]:8080` → `::1`, `api:80` → `api`); undefined when malformed. */
export function hostName(header: string): string | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(header.trim());
  if (!m) return undefined;
  const name = m[1]!;
  return name.startsWith('[') ? name.slice(1, -1).toLowerCase() : name.toLowerCase();
}

/** A random token for `msp-twin platform` to print when none is configured (192 bits, URL-safe). */
export function generateApiToken(): string {
  return randomBytes(24).toString('base64url');
}

function tokenMatches(expected: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(m[1]!, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function listed(list: readonly string[] | undefined, value: string): boolean {
  return list !== undefined && (list.includes('*') || list.includes(value));
}

/** Undefined when the request may proceed to routing; otherwise the refusal to send. */
export function guardRequest(req: IncomingMessage, is_write: boolean, options: ApiGuardOptions): GuardRefusal | undefined {
  const host_header = req.headers.host;
  const host = host_header === undefined ? undefined : hostName(host_header);
  if (host === undefined || !(isLoopbackHost(host) || listed(options.allowed_hosts, host))) {
    return { status: 421, code: 'API_HOST_REFUSED', message: `Host ${JSON.stringify(host_header ?? '')} is not one this API answers to (--api-allowed-host)` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !originAllowed(origin, options.allowed_origins)) {
    return { status: 403, code: 'API_ORIGIN_REFUSED', message: `requests from origin ${JSON.stringify(origin)} are not allowed (--api-allowed-origin)` };
  }
  if (!is_write) return undefined;
  if (!tokenMatches(options.token, req.headers.authorization)) {
    return { status: 401, code: 'API_UNAUTHORIZED', message: 'writes need "Authorization: Bearer <token>" (the token msp-twin platform printed, or --api-token / MSP_TWIN_API_TOKEN)' };
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    return { status: 415, code: 'API_UNSUPPORTED_MEDIA_TYPE', message: `writes must be Content-Type: application/json, got ${JSON.stringify(req.headers['content-type'] ?? '')}` };
  }
  return undefined;
}

function originAllowed(origin: string, allowed: readonly string[] | undefined): boolean {
  if (listed(allowed, origin)) return true;
  // `null` (sandboxed frames, file://) is never loopback-trusted.
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''));
}
