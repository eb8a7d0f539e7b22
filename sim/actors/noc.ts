import { stringHash32 } from '../world/hash-noise.ts';
import type { Rng } from '../kernel/rng.ts';
import type { LocalTime } from '../../platform/contract/local-time.ts';
import type { Site } from '../world/topology.ts';
import { costLedger, defaultOperations, visitCost, withinHours, type CostLedger, type IncidentPriority, type OperationsPolicy, type VisitRecord, type WeeklyHours } from './operations.ts';
import { MS_PER_MINUTE as MIN } from '../../common/time.ts';

export type { IncidentPriority } from './operations.ts';

/**
 * The simulated NOC and field service: people following the MSP's operating policy
 * (docs/operations.md), not constants. NOC operators notice new incidents when they are on shift
 * and acknowledge them after a delay drawn by priority, or page the on-call engineer when that
 * would miss the response target; with `auto_ack: false` they leave acknowledging to the
 * timeline's operator actions and the API. When a device needs hands on site (dead, or a leak to
 * mop up) and stays so for `dispatch_after`, a technician from the site's metro is dispatched in
 * working hours (after hours only for callout priorities), checks again before leaving that
 * anything is still down, drives there, repairs, and the NOC resolves the incident. A
 * `battery_low` alert books a proactive battery swap. Every truck roll is priced into a cost
 * ledger, against what a naive dispatch-on-every-dead-device policy would have sent.
 *
 * People look at the console between steps, not inside them: the NOC acts only at step
 * boundaries (`atBoundary`), on the console and the fleet as they are at the step's end, and an
 * action planned for a moment inside a step (an acknowledgement after its delay, a departure)
 * is taken at the first boundary at or after it. The one thing it does inside a step is the
 * technician's repair, booked when they leave, at least the travel time ahead. So the NOC needs
 * nothing of the simulator but what `NocWorld` gives, and a sharded run's coordinator can give
 * it the same (docs/scale-out.md), with the same trace.
 */
export interface IncidentView {
  readonly id: string;
  readonly priority: IncidentPriority;
  readonly site: string;
  readonly cause: string;
  readonly status: 'open' | 'acknowledged' | 'resolved';
  readonly device_ids: readonly string[];
  /** When the contract's response target runs out (escalation aims before it). */
  readonly response_due_ms?: number;
}

/** An alert as the console lists it (field service books battery swaps from `battery_low`). */
export interface AlertView {
  readonly id: string;
  readonly type: string;
  readonly device_id: string;
  readonly status: 'firing' | 'acknowledged' | 'resolved';
}

export interface OperatorAction {
  readonly at_ms: number;
  readonly kind: 'ack' | 'resolve';
  readonly incident_id: string;
  readonly by: string;
}

/** The NOC's window on the platform: what a person sees in the console and the buttons they press. */
export interface OperatorPort {
  incidents(): IncidentView[];
  alerts?(): AlertView[];
  act(action: OperatorAction): void;
}

/** A device as the NOC knows it from the inventory. */
export interface NocDevice {
  readonly site_id: string;
  readonly model: string;
  /** It runs on a battery (a swap can be booked for it). */
  readonly battery: boolean;
}

/**
 * What the NOC reads of the world and does to it, read at a step boundary: one simulator's
 * (`simulationNocWorld`) or, in a sharded run, the coordinator's (harness/run/shards/noc-world.ts).
 */
export interface NocWorld {
  /** The boundary's time (the step's last millisecond). */
  readonly now_ms: number;
  /** A named random stream of the run's seed (the same name gives the same stream anywhere). */
  rng(name: string): Rng;
  /** A ground-truth line of kind `noc`, at `now_ms`. */
  fact(fields: Record<string, unknown>): void;
  site(id: string): Site | undefined;
  /** The site's local time (read at once: the object may be reused). */
  local(site: Site, t_ms: number): LocalTime;
  device(id: string): NocDevice | undefined;
  /** Dead at the step's end (battery empty, bricked, powered off for good): needs a technician. */
  dead(id: string): boolean;
  bricked(id: string): boolean;
  /** The technician repairs these devices at `at_ms` (after `now_ms`), each with its replacement unit's firmware if bricked. */
  repair(at_ms: number, devices: ReadonlyArray<readonly [id: string, replacement_fw: string | null]>, by: string): void;
}

/** Something the NOC means to do at `at_ms`, done at the first step boundary at or after it. */
interface Planned {
  readonly at_ms: number;
  readonly seq: number;
  readonly run: () => void;
}

/** The NOC closes the ticket once the technician reports back and the device is seen again. */
const RESOLVE_AFTER_REPAIR_MS = 10 * MIN;
/** Search horizon for the next staffed / working moment (15-minute probes over two weeks). */
const PROBE_MS = 15 * MIN;
const PROBE_LIMIT = 14 * 24 * 4;

interface Technician {
  readonly name: string;
  free_at_ms: number;
}

type JobKind = 'repair' | 'battery';

interface Job {
  readonly kind: JobKind;
  readonly incident_id: string | null;
  readonly cause: string;
  readonly devices: readonly string[];
}

interface Visit {
  readonly id: number;
  readonly site: Site;
  readonly tech: Technician;
  readonly dispatch_at_ms: number;
  readonly travel_ms: number;
  readonly repair_ms: number;
  /** The technician's `free_at_ms` before this visit was booked (restored if it is cancelled). */
  readonly tech_free_before_ms: number;
  readonly jobs: Job[];
  departed: boolean;
}

/** What a technician on the road will do: known when they leave (the parts they took). */
interface Trip {
  readonly devices: readonly string[];
  readonly jobs: readonly Job[];
  readonly on_site_ms: number;
  readonly done_at_ms: number;
  readonly batteries: number;
  readonly replaced: number;
}

interface Tracked {
  /** Since when the incident has needed hands on site without interruption (null: it does not now). */
  down_since_ms: number | null;
  /** A naive dispatch-on-every-dead-device policy would have sent a truck. */
  naive_visit: boolean;
  /** A job for it is booked on a visit that has not left yet. */
  booked: boolean;
  /** A technician actually went for it. */
  visited: boolean;
}

export interface NocStats {
  acknowledged: number;
  escalated: number;
  resolved: number;
  truck_rolls: number;
  /** Visits booked and then called off because nothing was down any more when the technician would have left. */
  cancelled_visits: number;
  repairs: number;
  batteries_replaced: number;
}

export class Noc {
  readonly #world: NocWorld;
  readonly #port: OperatorPort;
  readonly #policy: OperationsPolicy;
  readonly #tracked = new Map<string, Tracked>();
  readonly #technicians = new Map<string, Technician[]>();
  /** battery_low alerts a swap was booked for (a new alert after the swap gets a new id). */
  readonly #battery_booked = new Set<string>();
  /** Devices on the job sheet of a technician already on the road: nobody else is sent for them. */
  readonly #in_flight = new Set<string>();
  readonly #visits: Visit[] = [];
  readonly #records: VisitRecord[] = [];
  #next_visit = 1;
  /** Planned actions in (time, planning order). */
  readonly #planned: Planned[] = [];
  #planned_seq = 0;
  readonly stats: NocStats = { acknowledged: 0, escalated: 0, resolved: 0, truck_rolls: 0, cancelled_visits: 0, repairs: 0, batteries_replaced: 0 };

  constructor(world: NocWorld, port: OperatorPort, policy: OperationsPolicy = defaultOperations()) {
    this.#world = world;
    this.#port = port;
    this.#policy = policy;
  }

  get policy(): OperationsPolicy {
    return this.#policy;
  }

  /**
   * Called at each step boundary, after the platform applied the step: what was planned for the
   * step is done, then new incidents are noticed and open ones re-checked, then whatever that
   * planned for now (a departure, a late escalation) is done too.
   */
  atBoundary(): void {
    this.#runDue();
    this.#observe();
    this.#runDue();
  }

  /** The earliest planned action not done yet (its time), or null. */
  get next_planned_ms(): number | null {
    return this.#planned[0]?.at_ms ?? null;
  }

  #plan(at_ms: number, run: () => void): void {
    const item: Planned = { at_ms, seq: this.#planned_seq++, run };
    // Few are pending at once (one per incident, visit or swap): insertion keeps (time, order).
    let i = this.#planned.length;
    while (i > 0 && this.#planned[i - 1]!.at_ms > at_ms) i--;
    this.#planned.splice(i, 0, item);
  }

  #runDue(): void {
    const now = this.#world.now_ms;
    while (this.#planned.length > 0 && this.#planned[0]!.at_ms <= now) this.#planned.shift()!.run();
  }

  /** Notice new incidents and re-check open ones (sorted by id, never by arrival order). */
  #observe(): void {
    const incidents = this.#port.incidents().filter((i) => i.status !== 'resolved');
    incidents.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const incident of incidents) {
      let t = this.#tracked.get(incident.id);
      if (!t) {
        t = { down_since_ms: null, naive_visit: false, booked: false, visited: false };
        this.#tracked.set(incident.id, t);
        this.#noticed(incident);
      }
      this.#checkVisit(incident, t);
    }
    if (this.#policy.field_service.battery.proactive) this.#bookBatterySwaps();
  }

  /** The ledger so far: every truck roll priced, and the naive policy's count for comparison. */
  ledger(): CostLedger {
    const fs = this.#policy.field_service;
    const tracked = [...this.#tracked.values()];
    const naive = tracked.filter((t) => t.naive_visit).length;
    const avoided = tracked.filter((t) => t.naive_visit && !t.visited).length;
    const mean_job_ms = (fs.travel_ms.min + fs.travel_ms.max) + (fs.repair_ms.min + fs.repair_ms.max) / 2;
    return costLedger(this.#policy.costs, this.#records, naive, avoided, mean_job_ms);
  }

  // ---- the NOC desk ---------------------------------------------------------------------------

  #noticed(incident: IncidentView): void {
    const noc = this.#policy.noc;
    if (!noc.auto_ack) return;
    const world = this.#world;
    const now = world.now_ms;
    const site = world.site(incident.site);
    // Each incident draws from its own stream: staffing decisions for one never shift another's.
    // The stream is named by what the incident is and when it opened, not by its sequence number:
    // an unrelated incident opening earlier (a natural alarm somewhere else) would renumber it.
    const what = `${incident.priority}/${incident.cause}/${incident.site}/${stringHash32([...incident.device_ids].sort().join(','))}`;
    const rng = world.rng(`noc/${what}/${now}`);
    const hours = site ? (Object.hasOwn(noc.metro_hours, site.metro) ? noc.metro_hours[site.metro]! : noc.hours) : noc.hours;
    const on_shift = site ? this.#nextMoment(site, now, hours) : now;
    let ack_at = on_shift + Math.max(30_000, Math.round(rng.exponential(noc.ack_delay_ms[incident.priority])));
    let by = 'noc';
    if (noc.escalation.enabled && incident.response_due_ms !== undefined) {
      // The desk would answer too late (off shift, or a slow draw): the on-call engineer is paged in time.
      const deadline = incident.response_due_ms - noc.escalation.margin_ms;
      if (ack_at > deadline) {
        ack_at = Math.max(now, deadline);
        by = 'on-call';
      }
    }
    this.#plan(ack_at, () => {
      const current = this.#port.incidents().find((i) => i.id === incident.id);
      if (current?.status !== 'open') return;
      this.stats.acknowledged++;
      if (by === 'on-call') this.stats.escalated++;
      world.fact({ inc: incident.id, act: by === 'on-call' ? 'escalate' : 'ack' });
      this.#port.act({ at_ms: world.now_ms, kind: 'ack', incident_id: incident.id, by });
    });
  }

  // ---- field service --------------------------------------------------------------------------

  /** Devices of the incident a technician has to touch right now (dead ones; the sensor of a leak). */
  #needsHands(incident: IncidentView): string[] {
    if (incident.cause === 'leak') return [...incident.device_ids].sort();
    return incident.device_ids.filter((id) => this.#world.dead(id)).sort();
  }

  #checkVisit(incident: IncidentView, t: Tracked): void {
    const now = this.#world.now_ms;
    const down = this.#needsHands(incident);
    if (down.length === 0) {
      t.down_since_ms = null; // healed by itself (or repaired): the wait starts over if it goes down again
      return;
    }
    t.naive_visit = true;
    if (t.down_since_ms === null) t.down_since_ms = now;
    if (t.booked) return;
    // A technician already driving to these devices (a battery swap) will find them dead and fix them.
    const devices = down.filter((d) => !this.#in_flight.has(d));
    if (devices.length === 0) return;
    // Water does not heal by itself: a leak goes out at once. A dead device gets its chance to come back.
    const wait_ms = incident.cause === 'leak' ? 0 : this.#policy.field_service.dispatch_after_ms;
    if (now - t.down_since_ms < wait_ms) return;
    t.booked = true;
    this.#book({ kind: 'repair', incident_id: incident.id, cause: incident.cause, devices }, incident.site, this.#policy.field_service.callout_priorities.includes(incident.priority));
  }

  #bookBatterySwaps(): void {
    const alerts = (this.#port.alerts?.() ?? []).filter((a) => a.type === 'battery_low' && a.status !== 'resolved');
    alerts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const lead_ms = this.#policy.field_service.battery.lead_time_ms;
    for (const a of alerts) {
      if (this.#battery_booked.has(a.id)) continue;
      const device = this.#world.device(a.device_id);
      if (!device?.battery) continue;
      this.#battery_booked.add(a.id);
      // Parts and scheduling: the swap is booked `lead_time` out, then waits for working hours.
      this.#plan(this.#world.now_ms + lead_ms, () => {
        this.#book({ kind: 'battery', incident_id: null, cause: 'battery_low', devices: [a.device_id] }, device.site_id, false);
      });
    }
  }

  #book(job: Job, site_id: string, callout: boolean): void {
    const world = this.#world;
    const site = world.site(site_id);
    if (!site) return;
    const fs = this.#policy.field_service;
    const now = world.now_ms;
    const tech = this.#pickTechnician(site);
    const dispatch_at_ms = this.#nextMoment(site, Math.max(now, tech.free_at_ms), callout ? null : fs.hours);
    if (fs.batch_per_site) {
      // Ride along on a visit to the same site that has not left yet, unless it leaves later than this job would alone.
      const pending = this.#visits.find((v) => !v.departed && v.site.id === site.id && v.dispatch_at_ms <= dispatch_at_ms);
      if (pending) {
        pending.jobs.push(job);
        pending.tech.free_at_ms += fs.extra_device_ms * job.devices.length;
        world.fact({ act: 'batch', visit: pending.id, cause: job.cause, ...(job.incident_id ? { inc: job.incident_id } : {}) });
        return;
      }
    }
    const rng = world.rng(`noc/visit/${this.#next_visit}`);
    const travel_ms = Object.hasOwn(fs.site_travel_ms, site.id) ? fs.site_travel_ms[site.id]! : rng.int(fs.travel_ms.min, fs.travel_ms.max);
    const repair_ms = rng.int(fs.repair_ms.min, fs.repair_ms.max);
    const visit: Visit = { id: this.#next_visit++, site, tech, dispatch_at_ms, travel_ms, repair_ms, tech_free_before_ms: tech.free_at_ms, jobs: [job], departed: false };
    tech.free_at_ms = dispatch_at_ms + 2 * travel_ms + repair_ms + fs.extra_device_ms * Math.max(0, job.devices.length - 1);
    this.#visits.push(visit);
    this.#plan(dispatch_at_ms, () => this.#depart(visit));
  }

  /**
   * Before driving out: only what is still down (or due a battery) goes on the job sheet, and the
   * technician takes a replacement unit for each device bricked now and a battery for the others
   * that run on one; the repair is booked for their arrival.
   */
  #depart(visit: Visit): void {
    const world = this.#world;
    visit.departed = true;
    const open = new Map(this.#port.incidents().map((i) => [i.id, i]));
    const jobs = visit.jobs
      .map((j): Job => {
        if (j.kind === 'battery') return { ...j, devices: j.devices.filter((d) => !this.#in_flight.has(d)) };
        const incident = j.incident_id === null ? undefined : open.get(j.incident_id);
        if (!incident || incident.status === 'resolved') return { ...j, devices: [] };
        const down = new Set(this.#needsHands(incident));
        return { ...j, devices: j.devices.filter((d) => down.has(d) && !this.#in_flight.has(d)) };
      })
      .filter((j) => j.devices.length > 0);
    for (const j of visit.jobs) {
      if (j.incident_id === null) continue;
      const t = this.#tracked.get(j.incident_id);
      if (!t) continue;
      // A job called off can be booked again if the device goes down again; one on the road stays booked until the repair.
      if (jobs.some((x) => x.incident_id === j.incident_id)) t.visited = true;
      else t.booked = false;
    }
    if (jobs.length === 0) {
      this.stats.cancelled_visits++;
      if (visit.tech.free_at_ms > world.now_ms) visit.tech.free_at_ms = Math.max(visit.tech_free_before_ms, world.now_ms);
      world.fact({ act: 'cancel', visit: visit.id, tech: visit.tech.name });
      return;
    }
    const devices = [...new Set(jobs.flatMap((j) => j.devices))].sort();
    for (const d of devices) this.#in_flight.add(d);
    const fs = this.#policy.field_service;
    const on_site_ms = visit.repair_ms + fs.extra_device_ms * (devices.length - 1);
    const done_at_ms = world.now_ms + visit.travel_ms + on_site_ms;
    let batteries = 0;
    let replaced = 0;
    const parts: Array<readonly [string, string | null]> = [];
    for (const id of devices) {
      const device = world.device(id);
      if (!device) continue;
      if (world.bricked(id)) replaced++;
      else if (device.battery) batteries++;
      const spares = this.#policy.field_service.replacement_firmware;
      parts.push([id, Object.hasOwn(spares, device.model) ? spares[device.model]! : null]);
    }
    this.stats.truck_rolls++;
    world.fact({ act: 'dispatch', visit: visit.id, tech: visit.tech.name, site: visit.site.id, n: devices.length });
    world.repair(done_at_ms, parts, visit.tech.name);
    const trip: Trip = { devices, jobs, on_site_ms, done_at_ms, batteries, replaced };
    this.#plan(done_at_ms, () => this.#repaired(visit, trip));
  }

  /** The technician reports back (the repair itself happened at their arrival, in the world). */
  #repaired(visit: Visit, trip: Trip): void {
    const world = this.#world;
    const { devices, jobs, on_site_ms, batteries, replaced } = trip;
    for (const id of devices) this.#in_flight.delete(id);
    for (const j of jobs) {
      const t = j.incident_id === null ? undefined : this.#tracked.get(j.incident_id);
      if (t) t.booked = false;
    }
    this.stats.repairs += devices.length;
    this.stats.batteries_replaced += batteries;
    const labour_ms = 2 * visit.travel_ms + on_site_ms;
    const causes = [...new Set(jobs.map((j) => j.cause))].sort();
    this.#records.push({
      site: visit.site.id,
      technician: visit.tech.name,
      dispatched_ms: trip.done_at_ms - visit.travel_ms - on_site_ms,
      done_ms: trip.done_at_ms,
      labour_ms,
      devices,
      causes,
      batteries,
      replaced_devices: replaced,
      cost: visitCost(this.#policy.costs, labour_ms, batteries, replaced),
    });
    world.fact({ act: 'repair', visit: visit.id, tech: visit.tech.name, n: devices.length });
    if (!this.#policy.noc.auto_ack) return;
    const incidents = [...new Set(jobs.map((j) => j.incident_id).filter((x): x is string => x !== null))].sort();
    this.#plan(trip.done_at_ms + RESOLVE_AFTER_REPAIR_MS, () => {
      const open = new Map(this.#port.incidents().map((i) => [i.id, i]));
      for (const id of incidents) {
        if (open.get(id)?.status === 'resolved' || !open.has(id)) continue;
        this.stats.resolved++;
        world.fact({ inc: id, act: 'resolve' });
        this.#port.act({ at_ms: world.now_ms, kind: 'resolve', incident_id: id, by: visit.tech.name });
      }
    });
  }

  #pickTechnician(site: Site): Technician {
    let crew = this.#technicians.get(site.metro);
    if (!crew) {
      const fs = this.#policy.field_service;
      const n = Object.hasOwn(fs.metro_technicians, site.metro) ? fs.metro_technicians[site.metro]! : fs.technicians_per_metro;
      crew = Array.from({ length: Math.max(1, n) }, (_, i) => ({ name: `${site.metro.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-tech-${i + 1}`, free_at_ms: 0 }));
      this.#technicians.set(site.metro, crew);
    }
    // The one free soonest; ties by name, so the choice never depends on map order.
    return [...crew].sort((a, b) => a.free_at_ms - b.free_at_ms || (a.name < b.name ? -1 : 1))[0]!;
  }

  /** The first moment at or after `t` inside `hours` (site-local; null = 24×7). */
  #nextMoment(site: Site, t: number, hours: WeeklyHours | null): number {
    if (hours === null) return t;
    const at = (probe: number): boolean => {
      const local = this.#world.local(site, probe);
      return withinHours(hours, local.weekday, local.minute_of_day);
    };
    if (at(t)) return t;
    // Shifts start on the quarter hour: probe the grid after `t`.
    for (let probe = Math.floor(t / PROBE_MS) * PROBE_MS + PROBE_MS, i = 0; i < PROBE_LIMIT; i++, probe += PROBE_MS) if (at(probe)) return probe;
    return t; // no hours in a fortnight: go now rather than never
  }
}
