/**
 * The view server: serves the built viewer bundle, /config.json (which mode, where the data is),
 * the trace file for replay (with HTTP range requests: the details panel fetches single lines),
 * /topology.json, server-sent platform decisions for live runs (/events), and a read-only proxy
 * to a platform HTTP API (/api/…). Loopback only by default; nothing here writes anything.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { TopologyDoc, ViewerConfig } from '../../platform/contract/viewer-docs.ts';
import { UsageError } from '../errors.ts';

export interface ViewServerOptions {
  readonly dist_dir: string;
  readonly host?: string;
  /** 0 = pick a free port. */
  readonly port?: number;
  readonly title: string;
  readonly mode: 'replay' | 'live' | 'bench';
  readonly trace_file?: string;
  readonly topology?: TopologyDoc | null;
  readonly live?: {
    readonly broker_ws_url: string;
    readonly username: string;
    readonly password: string;
    /** Serve /events from feed() (an in-process run). */
    readonly events: boolean;
    /** Platform HTTP API origin to proxy under /api (GET only). */
    readonly api_url?: string | undefined;
  };
  readonly on_log?: (line: string) => void;
}

export interface ViewServer {
  readonly url: string;
  readonly port: number;
  /** A trace line of the running simulation; platform decisions are forwarded to /events. */
  feed(line: string): void;
  readonly stats: { requests: number; events_sent: number; events_kept: number; events_dropped: number; clients: number };
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};
/** Platform decisions and ground truth that the live page cannot get from MQTT. */
const EVENT_KINDS = new Set(['run', 'end', 'fault', 'noc', 'repair']);
/** Bounded backlog for late-joining pages (a long live demo must not grow without limit). */
const MAX_BACKLOG_LINES = 1_000_000;
/** A page that stops reading is disconnected (EventSource reconnects and replays the backlog). */
const MAX_CLIENT_BUFFER_BYTES = 8 * 1024 * 1024;
const MAX_PROXY_BYTES = 32 * 1024 * 1024;

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...extra });
  res.end(body);
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` (one range; that is all the viewer asks for). */
export function parseRange(header: string, size: number): { start: number; end: number } | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(size - 1, Number(m[2]));
  }
  return start <= end && start < size ? { start, end } : null;
}

function lineKind(line: string): string | null {
  // Device publishes are most of a trace and never needed here: skip them without parsing.
  if (line.includes('"k":"pub"')) return null;
  try {
    const k = (JSON.parse(line) as { k?: unknown }).k;
    return typeof k === 'string' ? k : null;
  } catch {
    return null;
  }
}

export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.on_log ?? (() => {});
  const dist = normalize(options.dist_dir);
  const backlog: string[] = [];
  const clients = new Set<ServerResponse>();
  const stats = { requests: 0, events_sent: 0, events_kept: 0, events_dropped: 0, clients: 0 };
  const trace_size = options.trace_file ? statSync(options.trace_file).size : 0;
  const live = options.live;

  const config = (): ViewerConfig => {
    const topology_url = options.topology ? './topology.json' : null;
    if (options.mode === 'replay') return { mode: 'replay', title: options.title, trace_url: './trace.jsonl', trace_bytes: trace_size, topology_url };
    if (options.mode === 'live' && live)
      return {
        mode: 'live',
        title: options.title,
        broker: { url: live.broker_ws_url, username: live.username, password: live.password },
        topology_url,
        events_url: live.events ? './events' : null,
        api_url: live.api_url ? './api' : null,
      };
    return { mode: 'bench', title: options.title };
  };

  const serveTrace = (req: IncomingMessage, res: ServerResponse): void => {
    const file = options.trace_file!;
    const size = statSync(file).size;
    const range = req.headers.range ? parseRange(req.headers.range, size) : null;
    if (req.headers.range && !range) return send(res, 416, 'text/plain', 'bad range\n', { 'content-range': `bytes */${size}` });
    const headers: Record<string, string | number> = { 'content-type': 'application/x-ndjson', 'accept-ranges': 'bytes', 'cache-control': 'no-store' };
    if (range) {
      res.writeHead(206, { ...headers, 'content-length': range.end - range.start + 1, 'content-range': `bytes ${range.start}-${range.end}/${size}` });
      createReadStream(file, { start: range.start, end: range.end }).pipe(res);
    } else {
      res.writeHead(200, { ...headers, 'content-length': size });
      createReadStream(file).pipe(res);
    }
  };

  const serveEvents = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': msp-twin platform decisions\n\n');
    for (const line of backlog) res.write(`data: ${line}\n\n`);
    clients.add(res);
    stats.clients = clients.size;
    req.on('close', () => {
      clients.delete(res);
      stats.clients = clients.size;
    });
  };

  const proxy = (req: IncomingMessage, res: ServerResponse, target: string): void => {
    if (req.method !== 'GET') return send(res, 405, 'application/json', JSON.stringify({ error: { code: 'VIEW_READ_ONLY', message: 'the viewer proxy is read-only' } }));
    const url = new URL(req.url ?? '/', target);
    const upstream = http.get(url, { timeout: 10_000 }, (up) => {
      let size = 0;
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_PROXY_BYTES) chunks.push(c);
      });
      up.on('end', () => {
        if (size > MAX_PROXY_BYTES) return send(res, 502, 'application/json', JSON.stringify({ error: { code: 'VIEW_PROXY_TOO_LARGE', message: 'platform answer too large' } }));
        send(res, up.statusCode ?? 502, String(up.headers['content-type'] ?? 'application/json'), Buffer.concat(chunks));
      });
    });
    upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
    upstream.on('error', (err) => {
      if (!res.headersSent) send(res, 502, 'application/json', JSON.stringify({ error: { code: 'VIEW_PROXY_FAILED', message: err.message } }));
    });
  };

  const serveStatic = (path: string, res: ServerResponse): void => {
    const rel = path === '/' ? 'index.html' : decodeURIComponent(path.slice(1));
    const file = normalize(join(dist, rel));
    if (file !== dist && !file.startsWith(dist + sep)) return send(res, 403, 'text/plain', 'forbidden\n');
    if (!existsSync(file) || !statSync(file).isFile()) return send(res, 404, 'text/plain', 'not found\n');
    const hashed = rel.startsWith('assets/');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-store' });
    res.end(readFileSync(file));
  };

  const server = http.createServer((req, res) => {
    stats.requests++;
    const path = new URL(req.url ?? '/', 'http://viewer').pathname;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'read-only\n');
      if (path === '/config.json') return send(res, 200, TYPES['.json']!, JSON.stringify(config()));
      if (path === '/topology.json') return options.topology ? send(res, 200, TYPES['.json']!, JSON.stringify(options.topology)) : send(res, 404, 'text/plain', 'no topology\n');
      if (path === '/trace.jsonl' && options.trace_file) return serveTrace(req, res);
      if (path === '/events' && live?.events) return serveEvents(req, res);
      if (path.startsWith('/api/') && live?.api_url) return proxy(req, res, live.api_url);
      return serveStatic(path, res);
    } catch (err) {
      log(`viewer: ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new UsageError('VIEW_PORT_IN_USE', `port ${options.port} on ${host} is in use; pick another with --port or use --port 0`) : err);
    });
    server.listen({ host, port: options.port ?? 0 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;

  return {
    url,
    port,
    stats,
    feed(line: string): void {
      const k = lineKind(line);
      if (k === null || !(k.startsWith('p.') || EVENT_KINDS.has(k))) return;
      if (backlog.length < MAX_BACKLOG_LINES) {
        backlog.push(line);
        stats.events_kept++;
      } else if (stats.events_dropped++ === 0) log(`viewer: event backlog full (${MAX_BACKLOG_LINES.toLocaleString('en-US')} lines); pages opened from now on miss older platform decisions`);
      for (const res of clients) {
        if (res.writableLength > MAX_CLIENT_BUFFER_BYTES) {
          res.destroy();
          clients.delete(res);
          continue;
        }
        res.write(`data: ${line}\n\n`);
        stats.events_sent++;
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of clients) res.end();
        clients.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
