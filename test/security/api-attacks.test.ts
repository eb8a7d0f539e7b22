/**
 * The platform's HTTP API attacked with raw HTTP (node:http, so Host and Origin can be forged):
 * the CSRF-shaped rollout post from issue 15, DNS rebinding, missing/wrong tokens, bad
 * percent-encoding and bad ranges (400, never 500), paging, and binding beyond loopback.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformApi } from '../../platform/service/platform-api.ts';
import { Platform } from '../../platform/core/platform.ts';
import type { FirmwareRelease } from '../../platform/patching/types.ts';
import { ApiConfigError, type HttpApi, startHttpApi } from '../../platform/service/http-api.ts';

const T0 = Date.UTC(2026, 2, 2, 12, 0);
const TOKEN = 'attack-suite-token-0123456789';
const release: FirmwareRelease = {
  model: 'HVAC-ZC-400', version: '2.4.0', size_bytes: 1_400_000, sha256: 'sha', min_battery_pct: 25, compatible_from: [], released_ms: null, approved_ms: 0,
};
const PLAN = { id: 'evil', firmware: { model: 'HVAC-ZC-400', version: '2.4.0' }, canary: { count: 1 }, concurrency: { max_in_flight: 1 } };

let platform: Platform;
let api: HttpApi;
const journal: string[] = [];

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: { error?: { code: string } } & Record<string, unknown>;
}

function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: api.port, method, path, headers, setHost: !('host' in headers) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(text) as Reply['json'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

beforeAll(async () => {
  platform = new Platform({ journal: (_t, k) => journal.push(k), firmware: [release] });
  for (let i = 0; i < 25; i++) {
    const id = `b1-hvac-${String(i).padStart(3, '0')}`;
    const payload = {
      v: 1, id, kind: 'hvac', model: 'HVAC-ZC-400', serial: `S-${i}`, fw: '2.3.0', site: 'bos', building: 'b1', floor: 'b1-f01',
      zone: 'b1-f01-z01', gateway: null, power: 'mains', caps: [], heartbeat_ms: 900_000, session: 1, seq: 0, ts: T0,
    };
    platform.receive(`msp/v1/bos/${id}/birth`, JSON.stringify(payload), T0);
  }
  api = await startHttpApi(platformApi(platform, { immediate: true }), { token: TOKEN });
});
afterAll(async () => {
  await api.close();
});

describe('API write protection', () => {
  it('refuses the CSRF-shaped rollout post (cross-origin, text/plain, no token) and sends nothing', async () => {
    const r = await raw('POST', '/api/v1/rollouts', { origin: 'http://evil.example', 'content-type': 'text/plain' }, JSON.stringify(PLAN));
    expect(r.status).toBe(403);
    expect(r.json.error?.code).toBe('API_ORIGIN_REFUSED');
    expect(platform.patching.list()).toEqual([]);
  });

  it('answers a write without a token, or with a wrong one, 401', async () => {
    const none = await raw('POST', '/api/v1/rollouts', { 'content-type': 'application/json' }, JSON.stringify(PLAN));
    expect(none.status).toBe(401);
    expect(none.json.error?.code).toBe('API_UNAUTHORIZED');
    const wrong = await raw('POST', '/api/v1/rollouts', { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}x` }, JSON.stringify(PLAN));
    expect(wrong.status).toBe(401);
    const basic = await raw('POST', '/api/v1/rollouts', { 'content-type': 'application/json', authorization: `Basic ${TOKEN}` }, JSON.stringify(PLAN));
    expect(basic.status).toBe(401);
    expect(platform.patching.list()).toEqual([]);
  });

  it('refuses a write with the token but not application/json (415)', async () => {
    const r = await raw('POST', '/api/v1/rollouts', { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' }, JSON.stringify(PLAN));
    expect(r.status).toBe(415);
    expect(r.json.error?.code).toBe('API_UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a DNS-rebinding request (foreign Host) even for reads, with the token too', async () => {
    const read = await raw('GET', '/api/v1/health', { host: 'evil.example:8080' });
    expect(read.status).toBe(421);
    expect(read.json.error?.code).toBe('API_HOST_REFUSED');
    const write = await raw('POST', '/api/v1/rollouts', { ...auth, host: 'evil.example' }, JSON.stringify(PLAN));
    expect(write.status).toBe(421);
  });

  it('accepts a same-machine write with the token (loopback Host and Origin)', async () => {
    const r = await raw('POST', '/api/v1/rollouts', { ...auth, host: `localhost:${api.port}`, origin: `http://127.0.0.1:${api.port}` }, JSON.stringify({ ...PLAN, id: 'ok-1', by: 'alice' }));
    expect(r.status).toBe(201);
    expect(platform.patching.list().map((p) => (p as { id: string }).id)).toEqual(['ok-1']);
  });
});

describe('API input bounds', () => {
  it('answers malformed percent-encoding 400, not 500', async () => {
    const r = await raw('GET', '/api/v1/devices/%E0%A4%A', {});
    expect(r.status).toBe(400);
    expect(r.json.error?.code).toBe('API_BAD_PATH');
    const w = await raw('POST', '/api/v1/incidents/%ZZ/ack', auth, '{"by":"a"}');
    expect(w.status).toBe(400);
  });

  it('answers bad SLA ranges 400', async () => {
    for (const q of ['from=-5', 'from=1e3', 'from=200&to=100', 'to=99999999999999999999']) {
      const r = await raw('GET', `/api/v1/sla?${q}`, {});
      expect(r.status, q).toBe(400);
      expect(r.json.error?.code, q).toBe('API_BAD_QUERY');
    }
  });

  it('pages GET /devices by limit and cursor, in id order, covering every device once', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/api/v1/devices?limit=10';
    let pages = 0;
    while (path !== undefined) {
      const r: Reply = await raw('GET', path, {});
      expect(r.status).toBe(200);
      const ids = (r.json as unknown as Array<{ info: { id: string } }>).map((d) => d.info.id);
      expect(ids.length).toBeLessThanOrEqual(10);
      seen.push(...ids);
      pages += 1;
      const link = r.headers.link as string | undefined;
      path = link === undefined ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)![1];
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `b1-hvac-${String(i).padStart(3, '0')}`));
    for (const bad of ['0', '5001', 'ten', '-1']) expect((await raw('GET', `/api/v1/devices?limit=${bad}`, {})).status, bad).toBe(400);
  });
});

describe('binding beyond loopback', () => {
  it('refuses to start on 0.0.0.0 without a configured token, and refuses a short token', async () => {
    await expect(startHttpApi(platformApi(platform, { immediate: true }), { host: '0.0.0.0', port: 0 })).rejects.toBeInstanceOf(ApiConfigError);
    await expect(startHttpApi(platformApi(platform, { immediate: true }), { token: 'short' })).rejects.toMatchObject({ code: 'API_TOKEN_WEAK' });
  });

  it('generates a token on loopback when none is given, and requires it', async () => {
    const local = await startHttpApi(platformApi(platform, { immediate: true }));
    try {
      expect(local.token.length).toBeGreaterThanOrEqual(32);
      const r = await fetch(`${local.url}/api/v1/rollouts/ok-1/pause`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"by":"x"}' });
      expect(r.status).toBe(401);
    } finally {
      await local.close();
    }
  });
});
