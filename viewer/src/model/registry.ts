/**
 * Device ids → dense indices, and what each device announced in its birth (kind, model, place in
 * the building). Indices are assigned on first sight in file (or arrival) order and never change,
 * so every per-device typed array in the viewer is indexed by them.
 */
import type { DeviceKind } from '../../../platform/contract/messages.ts';

export interface DeviceInfo {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly model: string;
  readonly serial: string;
  readonly site: string;
  readonly building: string;
  readonly floor: string;
  readonly zone: string | null;
  readonly gateway: string | null;
  readonly power: string;
  readonly heartbeat_ms: number;
}

export class DeviceRegistry {
  readonly ids: string[] = [];
  readonly info: Array<DeviceInfo | undefined> = [];
  /** Bumped whenever a device gets (new) birth info: the layout depends on it. */
  topology_version = 0;
  readonly #index = new Map<string, number>();
  /** Interned strings (firmware versions, OTA job ids) so per-device arrays can hold them as numbers. */
  readonly strings: string[] = [''];
  readonly #string_index = new Map<string, number>([['', 0]]);

  get size(): number {
    return this.ids.length;
  }

  indexOf(id: string): number {
    return this.#index.get(id) ?? -1;
  }

  /** The index of `id`, registering it on first sight. */
  intern(id: string): number {
    let i = this.#index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(id);
      this.info.push(undefined);
      this.#index.set(id, i);
    }
    return i;
  }

  setInfo(d: number, info: DeviceInfo): void {
    const old = this.info[d];
    if (old && old.site === info.site && old.building === info.building && old.floor === info.floor && old.zone === info.zone && old.kind === info.kind && old.model === info.model) return;
    this.info[d] = info;
    this.topology_version++;
  }

  str(s: string): number {
    let i = this.#string_index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.#string_index.set(s, i);
    }
    return i;
  }
}
