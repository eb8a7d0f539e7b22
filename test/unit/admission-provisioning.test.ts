import { describe, expect, it } from 'vitest';
import { Admission, DEFAULT_MAX_DEVICES } from '../../platform/ingest/admission.ts';

// Provisioning while running (POST /api/v1/devices goes through these): the verdicts and their
// messages written out by hand (docs/api.md, provisioning).
const deps = { known: () => false, size: () => 0 };
const thermostat = { site: 'chi', kind: 'hvac', model: 'TH-100' };

describe('admission: provisioning devices while running', () => {
  it('adds a new device, then calls the same identity again "same" and counts it once', () => {
    const a = new Admission({ provisioning: new Map([['d0', { site: 'chi', kind: 'env', model: 'EN-200' }]]) }, deps);
    expect(a.provisionedCount()).toBe(1);
    expect(a.verdict('d1', thermostat)).toEqual({ verdict: 'add' });
    a.provision('d1', { ...thermostat, extra: 'ignored' } as typeof thermostat);
    expect(a.provisioned('d1')).toEqual(thermostat);
    expect(a.provisionedCount()).toBe(2);
    expect(a.verdict('d1', thermostat)).toEqual({ verdict: 'same' });
    expect(a.verdict('d0', { site: 'chi', kind: 'env', model: 'EN-200' })).toEqual({ verdict: 'same' });
  });

  it('refuses a different site, kind or model, naming the field, whether provisioned or only seen in a birth', () => {
    const a = new Admission({}, deps);
    a.provision('d1', thermostat);
    expect(a.verdict('d1', { ...thermostat, site: 'nyc' })).toEqual({ verdict: 'conflict', detail: 'device d1 is provisioned with site chi, not nyc' });
    expect(a.verdict('d1', { ...thermostat, kind: 'lock' })).toEqual({ verdict: 'conflict', detail: 'device d1 is provisioned with kind hvac, not lock' });
    expect(a.verdict('d1', { ...thermostat, model: 'TH-200' })).toEqual({ verdict: 'conflict', detail: 'device d1 is provisioned with model TH-100, not TH-200' });
    // Not provisioned, but its birth told an open platform what it is.
    expect(a.verdict('d2', { ...thermostat, model: 'TH-200' }, thermostat)).toEqual({ verdict: 'conflict', detail: 'device d2 is registered with model TH-100, not TH-200' });
    // The same identity as its birth: a new provisioning, not "same".
    expect(a.verdict('d2', thermostat, thermostat)).toEqual({ verdict: 'add' });
  });

  it('is bounded by max_devices, counting the start\'s provisioning and the added ones', () => {
    const a = new Admission({ max_devices: 2, provisioning: new Map([['d0', thermostat]]) }, deps);
    expect(a.verdict('d1', thermostat)).toEqual({ verdict: 'add' });
    a.provision('d1', thermostat);
    expect(a.verdict('d2', thermostat)).toEqual({ verdict: 'full', detail: 'provisioning holds its limit of 2 devices' });
    // A known device is judged before the limit.
    expect(a.verdict('d1', thermostat)).toEqual({ verdict: 'same' });
    expect(new Admission({}, deps).verdict('x', thermostat)).toEqual({ verdict: 'add' });
    expect(DEFAULT_MAX_DEVICES).toBe(1_000_000);
  });

  it('saves the devices added while running (not the start\'s) and loads them into another', () => {
    const a = new Admission({ provisioning: new Map([['d0', thermostat]]) }, deps);
    a.provision('d2', { site: 'nyc', kind: 'lock', model: 'LK-200' });
    a.provision('d1', thermostat);
    const saved = a.saveState();
    expect(saved).toEqual([['d2', { site: 'nyc', kind: 'lock', model: 'LK-200' }], ['d1', thermostat]]);
    const b = new Admission({}, deps);
    b.loadState(saved);
    expect(b.provisioned('d1')).toEqual(thermostat);
    expect(b.provisionedCount()).toBe(2);
    expect(b.provisioned('d0')).toBeUndefined();
    b.loadState(undefined);
    expect(b.provisionedCount()).toBe(0);
  });
});
