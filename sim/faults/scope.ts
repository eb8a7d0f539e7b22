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
  readonly #device = new Map<string, DeviceSpec>();

  constructor(portfolio: Portfolio) {
    this.portfolio = portfolio;
    this.#by = { floor: new Map(), building: new Map(), site: new Map(), children: new Map() };
    const add = (m: Map<string, DeviceSpec[]>, key: string, d: DeviceSpec): void => {
      const list = m.get(key);
      if (list) list.push(d);
      else m.set(key, [d]);
    };
    // Portfolio devices are sorted by id, so every list here is too.
    for (const d of portfolio.devices) {
      this.#device.set(d.id, d);
      add(this.#by.floor, d.floor_id, d);
      add(this.#by.building, d.building_id, d);
      add(this.#by.site, d.site_id, d);
      if (d.gateway_id !== null) add(this.#by.children, d.gateway_id, d);
    }
  }

  device(id: string): DeviceSpec | undefined {
    return this.#device.get(id);
  }

  children(gateway_id: string): readonly DeviceSpec[] {
    return this.#by.children.get(gateway_id) ?? [];
  }

  /** Devices in the scope itself (sorted by id). */
  devices(scope: FaultScope, on: string): readonly DeviceSpec[] {
    switch (scope) {
      case 'device':
      case 'gateway': {
        const d = this.#device.get(on);
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
