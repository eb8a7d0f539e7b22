import type { DeviceKind } from '../../platform/contract/messages.ts';
import { stringHash32 } from '../../sim/world/hash-noise.ts';

/**
 * The load fleet: lightweight synthetic devices laid out as sites → buildings → floors, one
 * gateway per floor. They are not simulated twins (a load test wants a rate, not physics) but they
 * speak the real contract, so the real platform registers and monitors them. Everything is a pure
 * function of the spec: every shard, worker and broker node rebuilds the same fleet from it, so
 * only the spec ever crosses a process or machine boundary.
 */
export type ConnectionMode = 'per-device' | 'gateway';

export interface LoadFleetSpec {
  readonly seed: string;
  readonly devices: number;
  readonly mode: ConnectionMode;
  /** Devices on one floor, its gateway included; in gateway mode, devices per MQTT connection. */
  readonly per_gateway: number;
}

export interface LoadDevice {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly site: string;
  readonly building: string;
  readonly floor: string;
  readonly zone: string | null;
  /** The floor's gateway (null for the gateway itself). */
  readonly gateway: string | null;
}

/** What one MQTT connection carries: one device (per-device mode) or a gateway and its floor. */
export interface LoadUnit {
  /** MQTT client id (= username = the first device's id). */
  readonly client_id: string;
  readonly devices: readonly LoadDevice[];
}

export interface LoadFleet {
  readonly spec: LoadFleetSpec;
  readonly devices: readonly LoadDevice[];
  readonly units: readonly LoadUnit[];
}

const FLOORS_PER_BUILDING = 10;
const BUILDINGS_PER_SITE = 10;
const ZONES_PER_FLOOR = 4;
/** Out of 100: a typical commercial floor (docs/load.md); leak sensors carry the alert probe. */
const KIND_WEIGHTS: ReadonlyArray<readonly [DeviceKind, number]> = [
  ['env', 30],
  ['occupancy', 20],
  ['lighting', 20],
  ['hvac', 10],
  ['lock', 8],
  ['leak', 12],
];
export const MAX_LOAD_DEVICES = 1_000_000;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** A non-gateway device's kind, from a stable hash of (seed, position): never from generation order. */
function kindAt(seed: string, floor: string, position: number): DeviceKind {
  let r = stringHash32(`${seed}/kind/${floor}/${position}`) % 100;
  for (const [kind, weight] of KIND_WEIGHTS) {
    if (r < weight) return kind;
    r -= weight;
  }
  return 'env';
}

export function buildLoadFleet(spec: LoadFleetSpec): LoadFleet {
  if (!Number.isSafeInteger(spec.devices) || spec.devices < 1 || spec.devices > MAX_LOAD_DEVICES) throw new RangeError(`LOAD_FLEET: devices must be 1…${MAX_LOAD_DEVICES}, got ${spec.devices}`);
  if (!Number.isSafeInteger(spec.per_gateway) || spec.per_gateway < 1) throw new RangeError(`LOAD_FLEET: per_gateway must be ≥ 1, got ${spec.per_gateway}`);
  const devices: LoadDevice[] = [];
  const floors: LoadDevice[][] = [];
  for (let f = 0; devices.length < spec.devices; f++) {
    const b = Math.floor(f / FLOORS_PER_BUILDING);
    const s = Math.floor(b / BUILDINGS_PER_SITE);
    const site = `ld${pad(s + 1, 2)}`;
    const building = `${site}-b${pad((b % BUILDINGS_PER_SITE) + 1, 2)}`;
    const floor = `${building}-f${pad((f % FLOORS_PER_BUILDING) + 1, 2)}`;
    const gateway_id = `${floor}-gw`;
    const on_floor: LoadDevice[] = [];
    for (let p = 0; p < spec.per_gateway && devices.length < spec.devices; p++) {
      const d: LoadDevice =
        p === 0
          ? { id: gateway_id, kind: 'gateway', site, building, floor, zone: null, gateway: null }
          : (() => {
              const kind = kindAt(spec.seed, floor, p);
              return { id: `${floor}-${kind}-${pad(p, 3)}`, kind, site, building, floor, zone: `${floor}-z${(p % ZONES_PER_FLOOR) + 1}`, gateway: gateway_id };
            })();
      devices.push(d);
      on_floor.push(d);
    }
    floors.push(on_floor);
  }
  const units: LoadUnit[] = spec.mode === 'gateway' ? floors.map((ds) => ({ client_id: ds[0]!.id, devices: ds })) : devices.map((d) => ({ client_id: d.id, devices: [d] }));
  return { spec, devices, units };
}

/** Gateway → the ids of the devices behind it, for the embedded broker's ACLs (gateway mode). */
export function loadGatewayChildren(fleet: LoadFleet): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of fleet.devices) {
    if (d.gateway === null) continue;
    const list = out.get(d.gateway) ?? [];
    list.push(d.id);
    out.set(d.gateway, list);
  }
  return out;
}
