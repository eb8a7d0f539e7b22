/**
 * Admission's decisions one at a time, with the expected reason and detail written out: the
 * property in test/property/admission-fuzz.test.ts checks the registry afterwards, these pin each
 * check's boundary and message (killing the mutants the fuzz run cannot tell apart).
 */
import { describe, expect, it } from 'vitest';
import type { DeviceMessage } from '../../platform/core/model.ts';
import { Admission, DEFAULT_MAX_DEVICES, DEFAULT_SKEW_WINDOW_MS, type AdmissionDeps, type AdmissionOptions, type ProvisionedDevice } from '../../platform/ingest/admission.ts';

const NOW = Date.UTC(2026, 2, 2, 12, 0);
const provisioning = new Map<string, ProvisionedDevice>([['dev-1', { site: 'nyc', kind: 'env', model: 'ENV-TH-100' }]]);

function birth(device_id: string, o: { topic_site?: string; site?: string; kind?: string; model?: string; ts?: number } = {}): DeviceMessage {
  const payload = {
    v: 1, id: device_id, kind: o.kind ?? 'env', model: o.model ?? 'ENV-TH-100', serial: 's', fw: '1.0.0', site: o.site ?? 'nyc', building: 'b', floor: 'f', zone: 'z',
    gateway: null, power: 'mains', caps: [], heartbeat_ms: 60_000, session: 1, seq: 0, ts: o.ts ?? NOW,
  };
  return { type: 'birth', device_id, site_id: o.topic_site ?? 'nyc', received_ms: NOW, payload } as unknown as DeviceMessage;
}

function telemetry(device_id: string, ts: number | undefined, site_id = 'nyc'): DeviceMessage {
  const payload = ts === undefined ? { v: 1, seq: 1, values: {} } : { v: 1, seq: 1, ts, values: {} };
  return { type: 'telemetry', device_id, site_id, received_ms: NOW, payload } as unknown as DeviceMessage;
}

const deps = (known: string[] = [], size = 0): AdmissionDeps => ({ known: (id) => known.includes(id), size: () => size });
const admit = (options: AdmissionOptions, d: AdmissionDeps = deps()) => new Admission(options, d);

describe('admission: provisioning', () => {
  it('without a provisioning table everyone is admitted; with one, strangers are refused by name', () => {
    expect(admit({}).check(birth('stranger'))).toBeUndefined();
    expect(admit({ provisioning }).check(birth('stranger'))).toEqual({ reason: 'unprovisioned', detail: 'device stranger is not provisioned' });
    expect(admit({ provisioning }).check(telemetry('stranger', NOW))).toEqual({ reason: 'unprovisioned', detail: 'device stranger is not provisioned' });
    expect(admit({ provisioning }).check(birth('dev-1'))).toBeUndefined();
  });

  it('the topic site must be the provisioned one, for every message type', () => {
    expect(admit({ provisioning }).check(telemetry('dev-1', NOW, 'chi'))).toEqual({ reason: 'provisioning_mismatch', detail: 'topic site chi, provisioned at nyc' });
    expect(admit({ provisioning }).check(birth('dev-1', { topic_site: 'chi' }))).toEqual({ reason: 'provisioning_mismatch', detail: 'topic site chi, provisioned at nyc' });
    expect(admit({ provisioning }).check(telemetry('dev-1', NOW))).toBeUndefined();
  });

  it('a birth may not claim another site, kind or model; each names the field', () => {
    const a = admit({ provisioning });
    expect(a.check(birth('dev-1', { site: 'chi' }))).toEqual({ reason: 'provisioning_mismatch', detail: 'birth claims site chi, provisioned nyc' });
    expect(a.check(birth('dev-1', { kind: 'leak' }))).toEqual({ reason: 'provisioning_mismatch', detail: 'birth claims kind leak, provisioned env' });
    expect(a.check(birth('dev-1', { model: 'ENV-TH-200' }))).toEqual({ reason: 'provisioning_mismatch', detail: 'birth claims model ENV-TH-200, provisioned ENV-TH-100' });
  });
});

describe('admission: clock skew', () => {
  const w = 5 * 60_000;
  it('the window is inclusive on both sides: exactly ±window passes, one ms more is skew', () => {
    const a = admit({ skew_window_ms: w });
    expect(a.check(telemetry('x', NOW + w))).toBeUndefined();
    expect(a.check(telemetry('x', NOW - w))).toBeUndefined();
    expect(a.check(telemetry('x', NOW + w + 1))).toEqual({ reason: 'clock_skew', detail: `ts ${NOW + w + 1} is 300 s from receipt (window ±300 s)` });
    expect(a.check(telemetry('x', NOW - w - 1))).toEqual({ reason: 'clock_skew', detail: `ts ${NOW - w - 1} is -300 s from receipt (window ±300 s)` });
    expect(a.check(telemetry('x', NOW + 3_600_000))?.detail).toBe(`ts ${NOW + 3_600_000} is 3600 s from receipt (window ±300 s)`);
  });

  it('no window means no skew check, and a message without ts is not judged on time', () => {
    expect(admit({}).check(telemetry('x', NOW + 10 * 3_600_000))).toBeUndefined();
    expect(admit({ skew_window_ms: w }).check(telemetry('x', undefined))).toBeUndefined();
    expect(DEFAULT_SKEW_WINDOW_MS).toBe(5 * 60_000);
  });
});

describe('admission: registry bound', () => {
  it('a new device is refused at the limit, a known one and a non-birth never are', () => {
    expect(admit({ max_devices: 3 }, deps([], 2)).check(birth('new'))).toBeUndefined();
    expect(admit({ max_devices: 3 }, deps([], 3)).check(birth('new'))).toEqual({ reason: 'registry_full', detail: 'registry holds its limit of 3 devices' });
    expect(admit({ max_devices: 3 }, deps(['old'], 3)).check(birth('old'))).toBeUndefined();
    expect(admit({ max_devices: 3 }, deps([], 3)).check(telemetry('new', NOW))).toBeUndefined();
  });

  it('the default limit is a million devices', () => {
    expect(DEFAULT_MAX_DEVICES).toBe(1_000_000);
    expect(admit({}, deps([], 999_999)).check(birth('new'))).toBeUndefined();
    expect(admit({}, deps([], 1_000_000)).check(birth('new'))).toEqual({ reason: 'registry_full', detail: 'registry holds its limit of 1000000 devices' });
  });
});
