import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ScopeIndex } from '../../sim/faults/scope.ts';
import type { DeviceSpec } from '../../sim/world/topology.ts';

function spec(id: string): DeviceSpec {
  return { id, kind: 'occupancy', model: 'm', serial: `s-${id}`, firmware: '1.0.0', site_id: 's', building_id: 'b', floor_id: 'f', zone_id: 'z', gateway_id: null, critical: false, tags: [] };
}

describe('ScopeIndex.device', () => {
  // A sorted portfolio is searched, an unsorted one mapped: both must answer as a map would,
  // for every id held and for ids that fall between, before or after them.
  it('finds every device of a portfolio, sorted or not, and nothing else', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 6 }), { maxLength: 40 }), fc.array(fc.string({ maxLength: 6 }), { maxLength: 20 }), fc.boolean(), (ids, probes, sort) => {
        const list = sort ? [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : ids;
        const devices = list.map(spec);
        const index = new ScopeIndex({ name: 'p', sites: [], devices });
        for (const d of devices) expect(index.device(d.id)).toBe(d);
        for (const p of probes) expect(index.device(p)).toBe(devices.find((d) => d.id === p));
        expect(index.devices('device', list[0] ?? 'none')).toEqual(list.length > 0 ? [devices[0]] : []);
      }),
    );
  });

  it('answers from the devices it was built with, whatever is pushed onto the list later', () => {
    const devices = ['a', 'c'].map(spec);
    const index = new ScopeIndex({ name: 'p', sites: [], devices });
    devices.push(spec('b'));
    expect(index.device('b')).toBeUndefined();
    expect(index.device('c')?.id).toBe('c');
  });
});
