import type { NocDevice, NocWorld } from '../../../sim/actors/noc.ts';
import { RngTree, type Rng } from '../../../sim/kernel/rng.ts';
import type { TraceJournal } from '../../../sim/kernel/trace.ts';
import type { DeviceVitals } from '../../../sim/simulation.ts';
import { modelById } from '../../../sim/devices/models.ts';
import type { Portfolio, Site } from '../../../sim/world/topology.ts';
import { localTimeInto, type LocalTime } from '../../../platform/contract/local-time.ts';
import { defaultOperations, type OperationsPolicy } from '../../../sim/actors/operations.ts';
import type { ShardRepair } from './shard-sim.ts';

/**
 * The NOC's view of a sharded run, from the coordinator: the inventory from the portfolio, the
 * fleet's state from what each shard's cells report (which devices died, came back, were
 * repaired), random streams from the run's seed, and its lines straight into the merged trace
 * between steps, where one simulator writes them. Repairs it books go to the shards holding the
 * devices with their next window (docs/scale-out.md, "The NOC in a sharded run").
 */
export class ShardNocWorld implements NocWorld {
  readonly #rng: RngTree;
  readonly #trace: TraceJournal;
  readonly #sites: Map<string, Site>;
  readonly #devices: Map<string, NocDevice>;
  readonly #dead = new Set<string>();
  readonly #bricked = new Set<string>();
  readonly #local: LocalTime = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, weekday: 0, day_of_year: 1, minute_of_day: 0, offset_min: 0 };
  #repairs: ShardRepair[] = [];
  #now_ms: number;

  constructor(portfolio: Portfolio, seed: string, trace: TraceJournal, start_ms: number) {
    this.#rng = new RngTree(seed);
    this.#trace = trace;
    this.#now_ms = start_ms;
    this.#sites = new Map(portfolio.sites.map((s) => [s.id, s]));
    this.#devices = new Map(portfolio.devices.map((d) => [d.id, { site_id: d.site_id, model: d.model, battery: modelById(d.model).battery !== null }]));
  }

  get now_ms(): number {
    return this.#now_ms;
  }

  /** The boundary at the end of the step ending at `step_end_ms` (exclusive): the clock one simulator has there. */
  boundary(step_end_ms: number): void {
    this.#now_ms = step_end_ms - 1;
  }

  /** A cell's report: these devices are now dead or not, bricked or not. */
  apply(vitals: readonly DeviceVitals[]): void {
    for (const [id, dead, bricked] of vitals) {
      if (dead) this.#dead.add(id);
      else this.#dead.delete(id);
      if (bricked) this.#bricked.add(id);
      else this.#bricked.delete(id);
    }
  }

  /** Repairs booked since the last call, in booking order. */
  drainRepairs(): ShardRepair[] {
    const out = this.#repairs;
    this.#repairs = [];
    return out;
  }

  rng(name: string): Rng {
    return this.#rng.get(name);
  }

  fact(fields: Record<string, unknown>): void {
    this.#trace.append(this.#now_ms, 'noc', fields);
  }

  site(id: string): Site | undefined {
    return this.#sites.get(id);
  }

  local(site: Site, t_ms: number): LocalTime {
    return localTimeInto(site.timezone, t_ms, this.#local);
  }

  device(id: string): NocDevice | undefined {
    return this.#devices.get(id);
  }

  dead(id: string): boolean {
    return this.#dead.has(id);
  }

  bricked(id: string): boolean {
    return this.#bricked.has(id);
  }

  repair(at_ms: number, devices: ReadonlyArray<readonly [string, string | null]>, by: string): void {
    this.#repairs.push({ repair: { at_ms, devices, by } });
  }
}

/**
 * How many steps of the grid a shard window may span while the NOC runs. A repair is booked at a
 * boundary (the step's last millisecond) at least the shortest travel and repair time ahead, and
 * must reach its shard before the shard runs past it. The coordinator applies a window while the
 * shards run the next, so a shard can be up to 2·W − 1 steps beyond the end of the step whose
 * boundary booked it: (2·W − 1)·step ≤ lead − 1 ms. Zero when not even one step fits (the run
 * is refused).
 */
export function nocWindowSteps(policy: OperationsPolicy | undefined, step_ms: number): number {
  const fs = (policy ?? defaultOperations()).field_service;
  const travel_min_ms = Math.min(fs.travel_ms.min, ...Object.values(fs.site_travel_ms));
  const lead_ms = travel_min_ms + fs.repair_ms.min;
  return Math.max(0, Math.floor((Math.floor((lead_ms - 1) / step_ms) + 1) / 2));
}
