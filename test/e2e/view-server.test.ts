/**
 * The view server and the `view` command without a browser: what the page is served (config,
 * the trace by byte range, server-sent platform decisions), what it is refused, and the CLI's
 * one-line usage errors (exit 2).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { parseRange, startViewServer, type ViewServer } from '../../harness/view/server.ts';

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function cli(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) } });
  return { code, stdout, stderr };
}

describe('view server', () => {
  let dir: string;
  let replay: ViewServer;
  let live: ViewServer;
  const lines = ['{"k":"run","t":1}', '{"c":"a","k":"pub","p":{"id":"a"},"t":2,"topic":"msp/v1/s/a/birth"}', '{"d":"a","from":"UNKNOWN","k":"p.live","t":2,"to":"ONLINE","why":"birth"}', '{"k":"end","t":3}'];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'msp-twin-view-'));
    mkdirSync(join(dir, 'dist/assets'), { recursive: true });
    writeFileSync(join(dir, 'dist/index.html'), '<!doctype html><title>viewer</title>');
    writeFileSync(join(dir, 'dist/assets/app.js'), 'console.log(1)');
    writeFileSync(join(dir, 'trace.jsonl'), lines.join('\n') + '\n');
    replay = await startViewServer({ dist_dir: join(dir, 'dist'), title: 't', mode: 'replay', trace_file: join(dir, 'trace.jsonl'), topology: null });
    live = await startViewServer({ dist_dir: join(dir, 'dist'), title: 'l', mode: 'live', live: { broker_ws_url: 'ws://127.0.0.1:1/mqtt', username: 'msp-viewer', password: 'p', events: true } });
  });
  afterAll(async () => {
    await replay?.close();
    await live?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds loopback and serves the bundle and the config', async () => {
    expect(replay.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await get(replay.url)).body).toContain('<title>viewer</title>');
    expect((await get(`${replay.url}assets/app.js`)).headers['content-type']).toContain('javascript');
    const config = JSON.parse((await get(`${replay.url}config.json`)).body);
    expect(config).toMatchObject({ mode: 'replay', trace_url: './trace.jsonl', topology_url: null });
    expect(JSON.parse((await get(`${live.url}config.json`)).body)).toMatchObject({ mode: 'live', broker: { url: 'ws://127.0.0.1:1/mqtt', username: 'msp-viewer' }, events_url: './events', api_url: null });
  });

  it('serves single trace lines by byte range (the details panel)', async () => {
    const text = lines.join('\n') + '\n';
    const start = text.indexOf(lines[2]!);
    const r = await get(`${replay.url}trace.jsonl`, { range: `bytes=${start}-${start + lines[2]!.length - 1}` });
    expect(r.status).toBe(206);
    expect(r.body).toBe(lines[2]);
    expect(r.headers['content-range']).toBe(`bytes ${start}-${start + lines[2]!.length - 1}/${text.length}`);
    expect((await get(`${replay.url}trace.jsonl`)).body).toBe(text);
    expect((await get(`${replay.url}trace.jsonl`, { range: 'bytes=99999-' })).status).toBe(416);
    expect(parseRange('bytes=-5', 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange('bytes=3-', 10)).toEqual({ start: 3, end: 9 });
    expect(parseRange('bytes=3-100', 10)).toEqual({ start: 3, end: 9 });
    expect(parseRange('items=1-2', 10)).toBeNull();
  });

  it('is read-only and keeps requests inside the bundle', async () => {
    expect((await get(`${replay.url}config.json`, {}, 'POST')).status).toBe(405);
    expect((await get(`${replay.url}..%2F..%2Ftrace.jsonl`)).status).toBeGreaterThanOrEqual(403);
    expect((await get(`${replay.url}nope.js`)).status).toBe(404);
    expect((await get(`${replay.url}events`)).status).toBe(404); // replay has no live events
  });

  it('forwards platform decisions, not device traffic, as server-sent events (with a backlog)', async () => {
    live.feed(lines[0]!);
    live.feed(lines[1]!);
    const received = await new Promise<string>((resolve, reject) => {
      const req = http.get(`${live.url}events`, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
          if (body.includes('"k":"end"')) {
            req.destroy();
            resolve(body);
          }
        });
      });
      req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
      // Sent after the page connected: arrives live.
      setTimeout(() => {
        live.feed(lines[2]!);
        live.feed(lines[3]!);
      }, 100);
    });
    const data = received.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    expect(data).toEqual([lines[0], lines[2], lines[3]]);
    expect(live.stats.events_kept).toBe(3);
  });
});

describe('msp-twin view: usage errors exit 2 with one line', () => {
  it.each([
    [['view'], 'VIEW_MODE'],
    [['view', '--trace', '/nonexistent/run'], 'VIEW_TRACE_MISSING'],
    [['view', '--live'], 'VIEW_BROKER_REQUIRED'],
    [['view', '--live', '--broker', 'mqtt://127.0.0.1:1883'], 'VIEW_BROKER_WS'],
    [['view', '--live', '--broker', 'ws://127.0.0.1:8883/mqtt', '--api', 'localhost:8080'], 'VIEW_API_URL'],
    [['run', 'test/fixtures/small-office.yaml', '--transport', 'memory', '--view', '--duration', '1m'], 'RUN_VIEW_MEMORY'],
  ])('%j → %s', async (args, code) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(code);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
