/**
 * The rollout API over real HTTP on loopback (docs/api.md, docs/patching.md): create, status,
 * pause, resume, cancel, and the refusals with their stable codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Platform } from '../../platform/core/platform.ts';
import { startHttpApi, type HttpApi } from '../../platform/service/http-api.ts';
import { platformApi } from '../../platform/service/platform-api.ts';
import type { FirmwareRelease } from '../../platform/patching/types.ts';

const T0 = Date.UTC(2026, 2, 2, 12, 0);
const release = (model: string, version: string, approved_ms: number | null = 0): FirmwareRelease => ({
  model,
  version,
  size_bytes: 1_400_000,
  sha256: `sha-${model}-${version}`,
  min_battery_pct: 25,
  compatible_from: [],
  released_ms: null,
  approved_ms,
});

let platform: Platform;
let api: HttpApi;
const journal: Array<{ k: string; f: Record<string, unknown> }> = [];

function birth(id: string, i: number): void {
  const payload = {
    v: 1, id, kind: 'hvac', model: 'HVAC-ZC-400', serial: `S-${i}`, fw: '2.3.0', site: 'bos', building: 'b1', floor: 'b1-f01',
    zone: 'b1-f01-z01', gateway: null, power: 'mains', caps: [], heartbeat_ms: 900_000, session: 1, seq: 0, ts: T0,
  };
  platform.receive(`msp/v1/bos/${id}/birth`, JSON.stringify(payload), T0);
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${api.url}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const code = (r: { json: Record<string, unknown> }) => (r.json.error as { code: string } | undefined)?.code;

beforeAll(async () => {
  platform = new Platform({
    journal: (_t, k, f) => journal.push({ k, f }),
    firmware: [release('HVAC-ZC-400', '2.3.0'), release('HVAC-ZC-400', '2.4.0'), release('HVAC-ZC-400', '2.5.0-rc1', null)],
  });
  for (let i = 0; i < 12; i++) birth(`b1-hvac-${String(i).padStart(3, '0')}`, i);
  api = await startHttpApi(platformApi(platform, { immediate: true }));
});

afterAll(async () => {
  await api.close();
});

describe('rollout API', () => {
  const plan = { id: 'hvac-240', firmware: { model: 'HVAC-ZC-400', version: '2.4.0' }, canary: { count: 2 }, concurrency: { max_in_flight: 3 } };

  it('refuses invalid plans with a clear error and a stable code', async () => {
    const unknown = await call('POST', '/api/v1/rollouts', { ...plan, firmware: { model: 'HVAC-ZC-400', version: '9.9.9' } });
    expect(unknown.status).toBe(400);
    expect(code(unknown)).toBe('PATCH_UNKNOWN_FIRMWARE');
    expect((unknown.json.error as { message: string }).message).toMatch(/9\.9\.9.*known: 2\.3\.0, 2\.4\.0/);

    const incompatible = await call('POST', '/api/v1/rollouts', { ...plan, targets: { models: ['LGT-DALI-60'] } });
    expect(incompatible.status).toBe(400);
    expect(code(incompatible)).toBe('PATCH_INCOMPATIBLE_MODEL');

    const no_duration = await call('POST', '/api/v1/rollouts', { ...plan, windows: { install: { days: ['tue'], start: '22:00' } } });
    expect(no_duration.status).toBe(400);
    expect(code(no_duration)).toBe('PATCH_BAD_WINDOW');
    expect((no_duration.json.error as { message: string }).message).toMatch(/install window has no duration/);

    const unapproved = await call('POST', '/api/v1/rollouts', { ...plan, firmware: { model: 'HVAC-ZC-400', version: '2.5.0-rc1' } });
    expect(code(unapproved)).toBe('PATCH_NOT_APPROVED');

    const typo = await call('POST', '/api/v1/rollouts', { ...plan, canery: { count: 2 } });
    expect(code(typo)).toBe('PATCH_INVALID_PLAN');
    expect(platform.patching.list()).toHaveLength(0);
  });

  it('creates a rollout, sends the canary its download commands within the concurrency limit, and reports status', async () => {
    const created = await call('POST', '/api/v1/rollouts', { ...plan, by: 'alice' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'hvac-240', state: 'running', targets: 12, wave: 0 });
    const commands = platform.drainCommands();
    expect(commands.map((c) => c.payload.action)).toEqual(['download', 'download']);
    expect(commands.every((c) => c.payload.fw === '2.4.0' && c.payload.job === 'hvac-240')).toBe(true);

    const status = await call('GET', '/api/v1/rollouts/hvac-240');
    expect(status.status).toBe(200);
    expect((status.json.jobs as unknown[]).length).toBe(12);
    expect((status.json.waves as Array<{ name: string; devices: number }>)[0]).toMatchObject({ name: 'canary', devices: 2 });
    expect((await call('GET', '/api/v1/rollouts')).json).toHaveLength(1);

    const duplicate = await call('POST', '/api/v1/rollouts', plan);
    expect(duplicate.status).toBe(409);
    expect(code(duplicate)).toBe('PATCH_DUPLICATE_ID');
  });

  it('pauses, refuses a second pause, resumes and cancels; unknown ids are 404', async () => {
    const paused = await call('POST', '/api/v1/rollouts/hvac-240/pause', { by: 'bob', reason: 'change freeze' });
    expect(paused.status).toBe(200);
    expect(paused.json).toMatchObject({ state: 'paused', reason: 'paused: change freeze' });
    const again = await call('POST', '/api/v1/rollouts/hvac-240/pause', { by: 'bob' });
    expect(again.status).toBe(409);
    expect(code(again)).toBe('PATCH_BAD_TRANSITION');
    expect((await call('POST', '/api/v1/rollouts/hvac-240/resume', { by: 'bob' })).json).toMatchObject({ state: 'running' });
    const cancelled = await call('POST', '/api/v1/rollouts/hvac-240/cancel', { by: 'bob', reason: 'wrong build' });
    expect(cancelled.json).toMatchObject({ state: 'cancelled', reason: 'wrong build' });
    // The two devices downloading are told to drop the image.
    expect(platform.drainCommands().map((c) => c.payload.action)).toEqual(['cancel', 'cancel']);
    expect((await call('POST', '/api/v1/rollouts/nope/pause', { by: 'bob' })).status).toBe(404);
    expect((await call('GET', '/api/v1/rollouts/nope')).status).toBe(404);
    expect((await call('POST', '/api/v1/rollouts/hvac-240/pause', {})).status).toBe(400);
    // Every decision is in the audit log, with a reason.
    const audit = journal.filter((j) => j.k === 'p.rollout').map((j) => j.f.ev);
    expect(audit).toEqual(expect.arrayContaining(['created', 'wave_started', 'download', 'paused', 'resumed', 'cancelled']));
    expect(journal.filter((j) => j.k === 'p.rollout').every((j) => typeof j.f.why === 'string' && (j.f.why as string).length > 0)).toBe(true);
  });
});
