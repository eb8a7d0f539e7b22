import { stringHash32 } from '../world/hash-noise.ts';
import { Priority as EventPriority } from '../kernel/event-queue.ts';
import type { Simulation } from '../simulation.ts';
import type { Site } from '../world/topology.ts';

/**
 * The simulated NOC and field service: people, not constants. NOC operators (24/7) notice new
 * incidents and acknowledge them after a delay drawn by priority; when a device needs hands on
 * site (a dead battery, a leak to mop up), a technician from the site's metro is dispatched — only
 * in working hours unless the incident is P1 — drives there, repairs, and the NOC then resolves
 * the incident. So MTTA and MTTR in the SLA report come from staffing and travel, not from a
 * number someone typed. Operators act through the platform's operator port, as a person would.
 */
export type IncidentPriority = 'P1' | 'P2' | 'P3' | 'P4';

export interface IncidentView {
  readonly id: string;
  readonly priority: IncidentPriority;
  readonly site: string;
  readonly cause: string;
  readonly status: 'open' | 'acknowledged' | 'resolved';
  readonly device_ids: readonly string[];
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
  act(action: OperatorAction): void;
}

export interface NocConfig {
  /** Technicians per metro (default 2). */
  readonly technicians_per_metro?: number;
  /** Field work hours, site-local (default Mon–Fri 08:00–18:00). */
  readonly work_days?: readonly number[];
  readonly work_start_min?: number;
  readonly work_end_min?: number;
  /** Mean acknowledgement delay by priority. */
  readonly ack_mean_ms?: Readonly<Record<IncidentPriority, number>>;
}

const MIN = 60_000;
const DEFAULT_ACK_MEAN_MS: Record<IncidentPriority, number> = { P1: 4 * MIN, P2: 12 * MIN, P3: 60 * MIN, P4: 4 * 60 * MIN };

interface Technician {
  readonly name: string;
  free_at_ms: number;
}

export class Noc {
  readonly #sim: Simulation;
  readonly #port: OperatorPort;
  readonly #seen = new Set<string>();
  readonly #technicians = new Map<string, Technician[]>();
  readonly #config: Required<Omit<NocConfig, 'ack_mean_ms'>> & { ack_mean_ms: Readonly<Record<IncidentPriority, number>> };
  readonly stats = { acknowledged: 0, resolved: 0, truck_rolls: 0, repairs: 0 };

  constructor(sim: Simulation, port: OperatorPort, config: NocConfig = {}) {
    this.#sim = sim;
    this.#port = port;
    this.#config = {
      technicians_per_metro: config.technicians_per_metro ?? 2,
      work_days: config.work_days ?? [1, 2, 3, 4, 5],
      work_start_min: config.work_start_min ?? 8 * 60,
      work_end_min: config.work_end_min ?? 18 * 60,
      ack_mean_ms: config.ack_mean_ms ?? DEFAULT_ACK_MEAN_MS,
    };
  }

  /** Called at each step boundary: notice new incidents (sorted by id, never by arrival order). */
  observe(): void {
    const incidents = this.#port.incidents().filter((i) => i.status !== 'resolved' && !this.#seen.has(i.id));
    incidents.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const incident of incidents) {
      this.#seen.add(incident.id);
      this.#handle(incident);
    }
  }

  #handle(incident: IncidentView): void {
    const sim = this.#sim;
    const now = sim.clock.now_ms;
    // Each incident draws from its own stream: staffing decisions for one never shift another's.
    // The stream is named by what the incident is and when it opened, not by its sequence number:
    // an unrelated incident opening earlier (a natural alarm somewhere else) would renumber it.
    const what = `${incident.priority}/${incident.cause}/${incident.site}/${stringHash32([...incident.device_ids].sort().join(','))}`;
    const rng = sim.rng.get(`noc/${what}/${now}`);
    const ack_at = now + Math.max(30_000, Math.round(rng.exponential(this.#config.ack_mean_ms[incident.priority])));
    sim.queue.schedule(ack_at, EventPriority.command, 'noc-ack', () => {
      this.stats.acknowledged++;
      sim.fact('noc', { inc: incident.id, act: 'ack' });
      this.#port.act({ at_ms: sim.clock.now_ms, kind: 'ack', incident_id: incident.id, by: 'noc' });
    });
    const needs_visit = incident.cause === 'leak' || incident.device_ids.some((id) => sim.device(id)?.power === 'dead');
    if (!needs_visit) return;
    const site = sim.config.portfolio.sites.find((s) => s.id === incident.site);
    if (!site) return;
    const tech = this.#pickTechnician(site);
    const dispatch_at = this.#nextWorkMoment(site, Math.max(ack_at, tech.free_at_ms), incident.priority === 'P1');
    const travel_ms = rng.int(20 * MIN, 60 * MIN);
    const repair_ms = rng.int(20 * MIN, 90 * MIN);
    const done_at = dispatch_at + travel_ms + repair_ms;
    tech.free_at_ms = done_at + travel_ms; // drives back (or on to the next job)
    this.stats.truck_rolls++;
    sim.queue.schedule(dispatch_at, EventPriority.command, 'noc-dispatch', () => sim.fact('noc', { inc: incident.id, act: 'dispatch', tech: tech.name }));
    sim.queue.schedule(done_at, EventPriority.command, 'noc-repair', () => {
      this.stats.repairs++;
      for (const id of [...incident.device_ids].sort()) sim.device(id)?.repair('technician');
      sim.fact('noc', { inc: incident.id, act: 'repair', tech: tech.name });
    });
    // The NOC closes the ticket once the technician reports back and the device is seen again.
    sim.queue.schedule(done_at + 10 * MIN, EventPriority.command, 'noc-resolve', () => {
      this.stats.resolved++;
      sim.fact('noc', { inc: incident.id, act: 'resolve' });
      this.#port.act({ at_ms: sim.clock.now_ms, kind: 'resolve', incident_id: incident.id, by: tech.name });
    });
  }

  #pickTechnician(site: Site): Technician {
    let crew = this.#technicians.get(site.metro);
    if (!crew) {
      crew = Array.from({ length: this.#config.technicians_per_metro }, (_, i) => ({ name: `${site.metro.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-tech-${i + 1}`, free_at_ms: 0 }));
      this.#technicians.set(site.metro, crew);
    }
    // The one free soonest; ties by name, so the choice never depends on map order.
    return [...crew].sort((a, b) => a.free_at_ms - b.free_at_ms || (a.name < b.name ? -1 : 1))[0]!;
  }

  /** The first moment at or after `t` inside field working hours (site-local), or `t` for a P1 callout. */
  #nextWorkMoment(site: Site, t: number, callout: boolean): number {
    if (callout) return t;
    const c = this.#config;
    for (let probe = t, i = 0; i < 14 * 24 * 4; i++, probe += 15 * MIN) {
      const local = this.#sim.world.local(site, probe);
      if (c.work_days.includes(local.weekday) && local.minute_of_day >= c.work_start_min && local.minute_of_day < c.work_end_min) return probe;
    }
    return t; // no working hours configured: go now
  }
}
