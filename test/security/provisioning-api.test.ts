/**
 * Devices added through the API (`POST /api/v1/devices`), driven with raw HTTP: the bearer token
 * and application/json as for every write, the same validation as a --fleet row (400), a device
 * that contradicts the provisioned or registered one (409), provisioning bounded by max_devices
 * (507), and a device added this way is admitted afterwards — also after a restart from the
 * durable store (the addition is an input the store journals and snapshots).
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Platform } from '../../platform/core/platform.ts';
import { DEFAULT_SKEW_WINDOW_MS } from '../../platform/ingest/admission.ts';
import { type HttpApi, startHttpApi } from '../../platform/service/http-api.ts';
import { platformApi } from '../../platform/service/platform-api.ts';
import { DurablePlatform } from '../../platform/store/durable.ts';
import { SqliteStore } from '../../platform/store/sqlite-store.ts';

const T0 = Date.UTC(2026, 2, 2, 12, 0);
const TOKEN = 'provisioning-suite-token-0123';
const MAX_DEVICES = 3;
const birth = (id: string, over: Record<string, unknown> = {}): string =>
  JSON.stringify({ v: 1, id, kind: 'env', model: 'ENV-TH-100', serial: 's', fw: '1.0.0', site: 'nyc', building: 'b', floor: 'f', zone: 'z', gateway: null, power: 'mains', caps: [], heartbeat_ms: 60_000, session: 1, seq: 0, ts: T0, ...over });

interface Reply {
  status: number;
  json: { error?: { code: string; message: string } } & Record<string, unknown>;
}

function raw(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Reply['json'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const add = (port: number, device: Record<string, unknown>, headers: Record<string, string> = auth): Promise<Reply> => raw(port, 'POST', '/api/v1/devices', headers, JSON.stringify(device));

describe('POST /api/v1/devices on a provisioned platform', () => {
  let platform: Platform;
  let api: HttpApi;
  const journal: Array<{ k: string; f: Record<string, unknown> }> = [];

  beforeAll(async () => {
    const provisioning = new Map([['nyc-env-1', { site: 'nyc', kind: 'env', model: 'ENV-TH-100' }]]);
    platform = new Platform({ journal: (_t, k, f) => journal.push({ k, f }), admission: { provisioning, skew_window_ms: DEFAULT_SKEW_WINDOW_MS, max_devices: MAX_DEVICES } });
    platform.tick(T0);
    api = await startHttpApi(platformApi(platform, { immediate: true }), { token: TOKEN });
  });
  afterAll(async () => {
    await api.close();
  });

  it('needs the token and application/json like every write', async () => {
    const device = { id: 'nyc-env-2', site: 'nyc', kind: 'env', model: 'ENV-TH-100' };
    expect((await add(api.port, device, { 'content-type': 'application/json' })).json.error?.code).toBe('API_UNAUTHORIZED');
    expect((await add(api.port, device, { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' })).status).toBe(415);
    expect(platform.provisioned('nyc-env-2')).toBeUndefined();
  });

  it('refuses what a --fleet file would refuse with 400 naming the field, and changes nothing', async () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ id: 'nyc-env-2', site: 'nyc', kind: 'env' }, /^model: /],
      [{ id: 'nyc-env-2', site: 'nyc', kind: 'toaster', model: 'm' }, /^kind: /],
      [{ id: 'nyc/env/#', site: 'nyc', kind: 'env', model: 'm' }, /^id: /],
      [{ id: 'nyc-env-2', site: 'n'.repeat(200), kind: 'env', model: 'm' }, /^site: /],
      [{ id: 'msp-platform', site: 'nyc', kind: 'env', model: 'm' }, /msp- \(reserved/],
      [{ id: 'nyc-env-2', site: 'nyc', kind: 'env', model: 'm', serial: 'extra' }, /serial|unrecognized/i],
    ];
    for (const [device, message] of bad) {
      const r = await add(api.port, device);
      expect(r.status, JSON.stringify(device)).toBe(400);
      expect(r.json.error?.code).toBe('API_BAD_BODY');
      expect(r.json.error?.message).toMatch(message);
    }
    const not_json = await raw(api.port, 'POST', '/api/v1/devices', auth, '{"id":');
    expect(not_json.json.error?.code).toBe('API_BAD_JSON');
    expect(platform.provisionedCount()).toBe(1);
  });

  it('adds a device (201) whose birth is then admitted, where it was quarantined as unprovisioned before', async () => {
    platform.receive('msp/v1/nyc/nyc-env-2/birth', birth('nyc-env-2'), T0 + 1_000);
    expect(platform.ingest.quarantine().at(-1)).toMatchObject({ reason: 'unprovisioned' });
    const r = await add(api.port, { id: 'nyc-env-2', site: 'nyc', kind: 'env', model: 'ENV-TH-100', by: 'alice' });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({ id: 'nyc-env-2', site: 'nyc', kind: 'env', model: 'ENV-TH-100', state: 'provisioned' });
    expect(journal.at(-1)).toEqual({ k: 'p.prov', f: { id: 'nyc-env-2', ev: 'added', site: 'nyc', kind: 'env', model: 'ENV-TH-100', by: 'alice' } });
    platform.receive('msp/v1/nyc/nyc-env-2/birth', birth('nyc-env-2'), T0 + 2_000);
    expect(platform.registry.liveness('nyc-env-2')).toBe('ONLINE');
    // Provisioning pins it like a --fleet row: the same device claiming another site is refused.
    platform.receive('msp/v1/chi/nyc-env-2/birth', birth('nyc-env-2', { site: 'chi' }), T0 + 3_000);
    expect(platform.ingest.quarantine().at(-1)).toMatchObject({ reason: 'provisioning_mismatch' });
  });

  it('answers the same device again with 200 and a contradicting one with 409, changing nothing', async () => {
    const again = await add(api.port, { id: 'nyc-env-2', site: 'nyc', kind: 'env', model: 'ENV-TH-100' });
    expect(again.status).toBe(200);
    for (const device of [
      { id: 'nyc-env-1', site: 'chi', kind: 'env', model: 'ENV-TH-100' },
      { id: 'nyc-env-2', site: 'nyc', kind: 'lock', model: 'ENV-TH-100' },
      { id: 'nyc-env-1', site: 'nyc', kind: 'env', model: 'ENV-TH-200' },
    ]) {
      const r = await add(api.port, device);
      expect(r.status, JSON.stringify(device)).toBe(409);
      expect(r.json.error?.code).toBe('API_DEVICE_CONFLICT');
    }
    expect(platform.provisioned('nyc-env-1')).toEqual({ site: 'nyc', kind: 'env', model: 'ENV-TH-100' });
    expect(platform.provisionedCount()).toBe(2);
  });

  it('is bounded: past max_devices provisioned devices the answer is 507', async () => {
    expect((await add(api.port, { id: 'nyc-env-3', site: 'nyc', kind: 'env', model: 'ENV-TH-100' })).status).toBe(201);
    const full = await add(api.port, { id: 'nyc-env-4', site: 'nyc', kind: 'env', model: 'ENV-TH-100' });
    expect(full.status).toBe(507);
    expect(full.json.error).toMatchObject({ code: 'API_PROVISIONING_FULL', message: `provisioning holds its limit of ${MAX_DEVICES} devices` });
    expect(platform.provisionedCount()).toBe(MAX_DEVICES);
  });
});

describe('POST /api/v1/devices on an open platform (--allow-unprovisioned)', () => {
  it('refuses with 409 a device that contradicts what its birth already registered', async () => {
    const platform = new Platform({ journal: () => {}, admission: { skew_window_ms: DEFAULT_SKEW_WINDOW_MS } });
    platform.receive('msp/v1/nyc/nyc-env-9/birth', birth('nyc-env-9'), T0);
    const api = await startHttpApi(platformApi(platform, { immediate: true }), { token: TOKEN });
    try {
      const r = await add(api.port, { id: 'nyc-env-9', site: 'nyc', kind: 'lock', model: 'ENV-TH-100' });
      expect(r.status).toBe(409);
      expect(r.json.error?.message).toBe('device nyc-env-9 is registered with kind env, not lock');
      expect((await add(api.port, { id: 'nyc-env-9', site: 'nyc', kind: 'env', model: 'ENV-TH-100' })).status).toBe(201);
      expect(platform.provisioned('nyc-env-9')).toEqual({ site: 'nyc', kind: 'env', model: 'ENV-TH-100' });
    } finally {
      await api.close();
    }
  });
});

describe('devices added through the API survive a restart from the store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msp-prov-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const options = { admission: { provisioning: new Map([['nyc-env-1', { site: 'nyc', kind: 'env', model: 'ENV-TH-100' }]]), skew_window_ms: DEFAULT_SKEW_WINDOW_MS } };

  it('from the journal tail and from a snapshot', async () => {
    for (const snapshot_first of [false, true]) {
      const sub = join(dir, snapshot_first ? 'snap' : 'tail');
      const first = DurablePlatform.openWith(new SqliteStore(sub), options, () => {});
      first.platform.tick(T0);
      const api = await startHttpApi(platformApi(first.platform, { immediate: true }), { token: TOKEN });
      expect((await add(api.port, { id: 'nyc-env-2', site: 'nyc', kind: 'env', model: 'ENV-TH-100' })).status).toBe(201);
      await api.close();
      first.commit();
      if (snapshot_first) first.snapshot();
      first.store.close();

      const second = DurablePlatform.openWith(new SqliteStore(sub), options, () => {});
      expect(second.platform.provisioned('nyc-env-2'), snapshot_first ? 'snapshot' : 'journal tail').toEqual({ site: 'nyc', kind: 'env', model: 'ENV-TH-100' });
      second.platform.receive('msp/v1/nyc/nyc-env-2/birth', birth('nyc-env-2'), T0 + 1_000);
      expect(second.platform.registry.liveness('nyc-env-2')).toBe('ONLINE');
      second.store.close();
    }
  });
});
