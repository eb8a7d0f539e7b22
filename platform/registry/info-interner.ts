import type { DeviceInfo } from '../core/model.ts';

/**
 * One copy of each string and capability list the fleet's births repeat. Every birth is parsed
 * afresh, so without this each device's record keeps its own copies of its site, building,
 * floor, zone, gateway, model, firmware and capability list, though a floor's forty devices name
 * the same floor and a model's devices the same capabilities (V8 shares only strings of up to ten
 * characters that JSON.parse made). Sharing them is about 250 bytes a device of the registry's
 * records (docs/performance.md, "Memory per device").
 *
 * The tables only grow, bounded by the distinct values the fleet has sent: a new firmware
 * version or zone adds one entry; a device's serial and id, which no other device repeats, are
 * never put here.
 */
export class InfoInterner {
  readonly #strings = new Map<string, string>();
  readonly #caps = new Map<string, readonly string[]>();

  /**
   * How many distinct strings the table holds: the bound above made visible, so a test or a
   * memory investigation can check that a fleet's births add one entry per distinct value.
   */
  get distinct_strings(): number {
    return this.#strings.size;
  }

  /** The shared copy of `value` (the first one seen). */
  string<T extends string | null>(value: T): T {
    if (value === null) return value;
    const known = this.#strings.get(value);
    if (known !== undefined) return known as T;
    this.#strings.set(value, value);
    return value;
  }

  /** A frozen capability list equal to `caps`, shared by every device that sent the same list. */
  caps(caps: readonly string[]): readonly string[] {
    // JSON quotes each name, so no two different lists share a key (a joined key would confuse
    // ["a,b"] with ["a", "b"], whatever the separator).
    const key = JSON.stringify(caps);
    const known = this.#caps.get(key);
    if (known !== undefined) return known;
    const list = Object.freeze(caps.map((c) => this.string(c)));
    this.#caps.set(key, list);
    return list;
  }

  /** `info` with its shared fields replaced by their shared copies (a new frozen object). */
  info(info: DeviceInfo): DeviceInfo {
    return Object.freeze({
      id: info.id,
      kind: this.string(info.kind),
      model: this.string(info.model),
      fw: this.string(info.fw),
      serial: info.serial,
      site: this.string(info.site),
      building: this.string(info.building),
      floor: this.string(info.floor),
      zone: this.string(info.zone),
      gateway: this.string(info.gateway),
      power: this.string(info.power),
      heartbeat_ms: info.heartbeat_ms,
      caps: this.caps(info.caps),
    });
  }
}
