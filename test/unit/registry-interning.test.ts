import { describe, expect, it } from 'vitest';
import type { BirthPayload } from '../../platform/contract/messages.ts';
import type { DeviceInfo } from '../../platform/core/model.ts';
import { InfoInterner } from '../../platform/registry/info-interner.ts';
import { Registry } from '../../platform/registry/registry.ts';

function info(over: Partial<DeviceInfo> = {}): DeviceInfo {
  return {
    id: 'd1', kind: 'env', model: 'EN-200', fw: '1.2.0', serial: 'SN-1', site: 's1', building: 'b1', floor: 'b1-f01', zone: 'b1-f01-z1',
    gateway: 'b1-f01-gw-001', power: 'battery', heartbeat_ms: 60_000, caps: ['temperature_c', 'humidity_pct'], ...over,
  };
}

function birth(id: string, caps: string[], session = 1): BirthPayload {
  return { v: 1, id, kind: 'env', model: 'EN-200', serial: `SN-${id}`, fw: '1.2.0', site: 's1', building: 'b1', floor: 'b1-f01', zone: null, gateway: null, power: 'battery', caps, heartbeat_ms: 60_000, session, seq: 0, ts: 0 };
}

describe('registry: shared strings and capability lists', () => {
  it('hands every device with the same capabilities one frozen list, equal to what it sent', () => {
    const reg = new Registry({ journal: () => {} });
    // Parsed separately, as two births off the wire are: equal lists, different arrays.
    reg.apply({ type: 'birth', device_id: 'a', site_id: 's1', received_ms: 0, payload: JSON.parse(JSON.stringify(birth('a', ['x', 'y']))) as BirthPayload });
    reg.apply({ type: 'birth', device_id: 'b', site_id: 's1', received_ms: 0, payload: JSON.parse(JSON.stringify(birth('b', ['x', 'y']))) as BirthPayload });
    reg.apply({ type: 'birth', device_id: 'c', site_id: 's1', received_ms: 0, payload: birth('c', ['x']) });
    const a = reg.device('a')!;
    const b = reg.device('b')!;
    expect(a.caps).toEqual(['x', 'y']);
    expect(a.caps).toBe(b.caps);
    expect(Object.isFrozen(a.caps)).toBe(true);
    expect(Object.isFrozen(a)).toBe(true);
    expect(reg.device('c')!.caps).toEqual(['x']);
    expect(reg.device('c')!.caps).not.toBe(a.caps);
  });

  it('holds one entry per distinct string, and none for a missing zone or gateway (null)', () => {
    const interner = new InfoInterner();
    expect(interner.distinct_strings).toBe(0);
    interner.info(info({ zone: null, gateway: null }));
    // kind, model, fw, site, building, floor, power and the two capabilities; not id or serial.
    expect(interner.distinct_strings).toBe(9);
    interner.info(info({ id: 'd2', serial: 'SN-2', zone: null, gateway: null }));
    expect(interner.distinct_strings).toBe(9);
    interner.info(info({ id: 'd3', serial: 'SN-3' }));
    expect(interner.distinct_strings).toBe(11);
    expect(interner.string(null)).toBeNull();
    expect(interner.distinct_strings).toBe(11);
  });

  it('never confuses two lists whose names would join to the same text', () => {
    const interner = new InfoInterner();
    const pairs: Array<[string[], string[]]> = [
      [['a,b'], ['a', 'b']],
      [['a\u0000b', 'c'], ['a', 'b\u0000c']],
      [['a"', 'b'], ['a', '"b']],
      [[], ['']],
    ];
    for (const [first, second] of pairs) {
      expect(interner.caps(first)).toEqual(first);
      expect(interner.caps(second)).toEqual(second);
      expect(interner.caps(first)).toEqual(first);
    }
  });

  it('keeps every field of the info as sent (only copies are shared), and a sender\'s later change of the list does not reach it', () => {
    const interner = new InfoInterner();
    const caps = ['temperature_c', 'humidity_pct'];
    const sent = info({ caps });
    const kept = interner.info(sent);
    expect(kept).toEqual(sent);
    expect(Object.isFrozen(kept)).toBe(true);
    caps.push('co2_ppm');
    expect(kept.caps).toEqual(['temperature_c', 'humidity_pct']);
    expect(interner.info(info({ zone: null, gateway: null }))).toEqual(info({ zone: null, gateway: null }));
  });

  it('a device keeps its place behind its gateway through a save and load', () => {
    const reg = new Registry({ journal: () => {} });
    const gw = { ...birth('child', ['x']), gateway: 'gw-1' };
    reg.apply({ type: 'birth', device_id: 'child', site_id: 's1', received_ms: 0, payload: gw });
    const copy = new Registry({ journal: () => {} });
    copy.loadState(structuredClone(reg.saveState()));
    expect(copy.device('child')).toEqual(reg.device('child'));
    expect(copy.saveState()).toEqual(reg.saveState());
  });
});
