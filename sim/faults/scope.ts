import type { DeviceSpec, Portfolio } from '../world/topology.ts';
import { faultClass, type FaultScope } from './catalog.ts';
import { isRadio } from './selector.ts';

/**
 * Which devices a fault touches. `devices` are the ones in its scope (what the effect acts on);
 * `affected` adds the devices whose traffic goes through a failed gateway — everything whose
 * silence the fault explains, which is what the oracle attributes alerts to.
 */
export class ScopeIndex {
  readonly portfolio: Portfolio;
  readonly #by: Record<'floor' | 'building' | 'site' | 'children', Map<string, DeviceSpec[]>>;
  /**
   * Devices by id, for a portfolio not sorted by id. A generated one is sorted (world/generate.ts)
   * and is searched instead: a map table was ~51 B a device (docs/performance.md).
   */
  readonly #device: Map<string, DeviceSpec> | null;
  readonly #sorted: readonly DeviceSpec[];

  constructor(portfolio: Portfolio) {
    this.portfolio = portfolio;
    this.#by = { floor: new Map(), building: new Map(), site: new Map(), children: new Map() };
    const add = (m: Map<string, DeviceSpec[]>, key: string, d: DeviceSpec): void => {
      const list = m.get(key);
      if (list) list.push(d);
      else m.set(key, [d]);
    };
    const devices = portfolio.devices;
    let sorted = true;
    for (let i = 1; i < devices.length && sorted; i++) sorted = devices[i - 1]!.id < devices[i]!.id;
    this.#sorted = sorted ? [...devices] : [];
    this.#device = sorted ? null : new Map(devices.map((d) => [d.id, d]));
    // Portfolio devices are sorted by id, so every list here is too.
    for (const d of devices) {
      add(this.#by.floor, d.floor_id, d);
      add(this.#by.building, d.building_id, d);
      add(this.#by.site, d.site_id, d);
      if (d.gateway_id !== null) add(this.#by.children, d.gateway_id, d);
    }
  }

  device(id: string): DeviceSpec | undefined {
    if (this.#device !== null) return this.#device.get(id);
    const devices = this.#sorted;
    let lo = 0;
    let hi = devices.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const d = devices[mid]!;
      if (d.id === id) return d;
      if (d.id < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  children(gateway_id: string): readonly DeviceSpec[] {
    return this.#by.children.get(gateway_id) ?? [];
  }

  /** Devices in the scope itself (sorted by id). */
  devices(scope: FaultScope, on: string): readonly DeviceSpec[] {
    switch (scope) {
      case 'device':
      case 'gateway': {
        const d = this.device(on);
        return d ? [d] : [];
      }
      case 'floor':
      case 'building':
      case 'site':
        return this.#by[scope].get(on) ?? [];
      case 'broker':
      case 'platform':
        return [];
    }
  }

  /** Devices whose behaviour the fault explains, as a sorted id list. */
  affected(fault: string, scope: FaultScope, on: string): string[] {
    if (scope === 'broker' || scope === 'platform') return this.portfolio.devices.map((d) => d.id);
    let devices = this.devices(scope, on);
    if (faultClass(fault)?.radio_only === true) devices = devices.filter(isRadio);
    const ids = new Set(devices.map((d) => d.id));
    for (const d of devices) if (d.kind === 'gateway') for (const c of this.children(d.id)) ids.add(c.id);
    return [...ids].sort();
  }
}
