/**
 * A synthetic portfolio for `npm run bench` (viewer section): N devices in metros, sites,
 * buildings and floors shaped like the bundled scenarios, and a storm of state changes every frame
 * (liveness flips, alerts firing and clearing, OTA progress) fed through the same fold as a replay.
 * Randomness is fine here: the bench measures frames per second, not a run.
 */
import type { TopologyDoc } from '../config.ts';
import { EV, LV, otaCode } from '../model/codes.ts';
import { decodeMessage, emptyDecoded } from '../model/decode.ts';
import { FleetState } from '../model/fleet-state.ts';
import { DeviceRegistry } from '../model/registry.ts';
import type { Source } from './source.ts';

const METROS = ['New York', 'Chicago', 'Los Angeles', 'Dallas', 'Seattle', 'Boston', 'Atlanta', 'Denver'];
const KIND_MIX = ['occupancy', 'occupancy', 'env', 'hvac', 'lighting', 'lighting', 'lock', 'leak'] as const;
const PER_FLOOR = 50;
const FLOORS = 8;
const BUILDINGS_PER_SITE = 4;
const SITES_PER_METRO = 3;

export class BenchSource implements Source {
  readonly mode = 'bench' as const;
  readonly registry = new DeviceRegistry();
  readonly state = new FleetState(this.registry);
  readonly topology_doc: TopologyDoc;
  readonly title: string;
  /** Devices whose state changes per frame. */
  readonly changes_per_frame: number;
  changes = 0;
  private readonly e = emptyDecoded();
  private seed = 12345;

  constructor(readonly devices: number) {
    this.title = `Bench: ${devices.toLocaleString('en-US')} devices`;
    this.changes_per_frame = Math.max(1, Math.round(devices / 20));
    const sites: Array<TopologyDoc['sites'][number]> = [];
    let n = 0;
    const t = 1_772_000_000_000;
    let site_no = 0;
    while (n < devices) {
      const m = Math.floor(site_no / SITES_PER_METRO);
      const metro = METROS[m] ?? `Metro ${m + 1}`;
      const site_id = `s${String(site_no + 1).padStart(2, '0')}`;
      const buildings: Array<TopologyDoc['sites'][number]['buildings'][number]> = [];
      for (let b = 0; b < BUILDINGS_PER_SITE && n < devices; b++) {
        const building_id = `${site_id}-b${b + 1}`;
        const floors: Array<TopologyDoc['sites'][number]['buildings'][number]['floors'][number]> = [];
        for (let f = 1; f <= FLOORS && n < devices; f++) {
          const floor_id = `${building_id}-f${String(f).padStart(2, '0')}`;
          const zones = [1, 2, 3, 4, 5, 6].map((z) => ({ id: `${floor_id}-z${String(z).padStart(2, '0')}`, name: `Zone ${f}.${z}`, area_m2: 120 }));
          floors.push({ id: floor_id, level: f, zones });
          for (let i = 0; i < PER_FLOOR && n < devices; i++, n++) {
            const kind = i === 0 ? 'gateway' : KIND_MIX[i % KIND_MIX.length]!;
            const id = `${floor_id}-${kind}-${String(i).padStart(3, '0')}`;
            const p = { v: 1, id, kind, model: `${kind.toUpperCase()}-X1`, serial: `S${n}`, fw: '1.0.0', site: site_id, building: building_id, floor: floor_id, zone: kind === 'gateway' ? null : zones[i % zones.length]!.id, gateway: null, power: 'mains', caps: [], heartbeat_ms: 300_000, session: 1, seq: 0, ts: t };
            if (decodeMessage(this.registry, 'birth', p, t, this.e)) this.state.apply(this.e, -1);
          }
        }
        buildings.push({ id: building_id, name: `Tower ${site_no + 1}${String.fromCharCode(65 + b)}`, type: 'office', floors });
      }
      sites.push({ id: site_id, name: `${metro} campus ${(site_no % SITES_PER_METRO) + 1}`, metro, timezone: 'America/New_York', buildings });
      site_no++;
    }
    this.topology_doc = { v: 1, name: this.title, sites, contract: { availability_target: 0.995, response_targets_ms: {}, approved_firmware: {} } };
    this.state.grow();
    for (let d = 0; d < this.registry.size; d++) this.setLiveness(d, LV.ONLINE);
    this.state.t = t;
  }

  private rand(): number {
    // xorshift: cheap and reproducible between bench runs.
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed / 4_294_967_296;
  }

  private setLiveness(d: number, lv: number): void {
    const e = this.e;
    e.code = EV.live;
    e.d = d;
    e.a = lv;
    e.t = this.state.t;
    e.obj = null;
    this.state.apply(e, -1);
  }

  tick(_wall_ms: number): void {
    const n = this.registry.size;
    const e = this.e;
    this.state.t += 1_000;
    for (let k = 0; k < this.changes_per_frame; k++) {
      const d = Math.floor(this.rand() * n);
      const r = this.rand();
      if (r < 0.7) this.setLiveness(d, LV.ONLINE);
      else if (r < 0.8) this.setLiveness(d, LV.SUSPECT);
      else if (r < 0.9) this.setLiveness(d, LV.OFFLINE);
      else if (r < 0.95) {
        e.code = EV.ota;
        e.d = d;
        e.a = otaCode(r < 0.93 ? 'downloading' : 'committed');
        e.b = 0;
        e.t = this.state.t;
        this.state.apply(e, -1);
      } else {
        const id = `bench:${d}`;
        e.code = EV.alert;
        e.d = d;
        e.t = this.state.t;
        e.obj = { id, type: 'device_offline', sev: 'major', s: this.state.alerts.get(id)?.s === 'firing' ? 'resolved' : 'firing', inh: null, n: 1 };
        this.state.apply(e, -1);
      }
      this.changes++;
    }
  }

  speed(): number | null {
    return 1;
  }
  lastOta(): Record<string, unknown> | null {
    return null;
  }
  lastEvent(): Record<string, unknown> | null {
    return null;
  }
  async telemetryValues(): Promise<Record<string, unknown> | null> {
    return null;
  }
}
