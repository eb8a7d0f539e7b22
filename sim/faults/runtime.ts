import { Priority } from '../kernel/event-queue.ts';
import { SimError } from '../kernel/errors.ts';
import type { ZoneSchedule } from '../devices/kinds/hvac-controller.ts';
import type { DeviceTwin } from '../devices/twin.ts';
import type { DeviceSpec, Portfolio } from '../world/topology.ts';
import type { BuildingType } from '../world/occupancy.ts';
import type { Simulation } from '../simulation.ts';
import { startEffect, type ActiveFault } from './effects.ts';
import { isPlatformAction, type FaultInstance, type FaultPlan, type PlannedAction } from './plan.ts';
import { ScopeIndex } from './scope.ts';

/**
 * Plays a fault plan inside a simulation: each fault starts and ends on the event queue at its
 * plan time, with a `fault` line in the trace at both edges (the ground truth the oracle reads);
 * the timeline's actions on devices (setpoints, schedules, repairs) run at their time. Actions on
 * the platform (rollout control, acknowledging and resolving incidents) are the harness's
 * (harness/run/platform-timeline.ts): here they only hold their step, as an event that does
 * nothing, so the step they fall in runs however the fleet is split. Broker outages are the
 * harness's to perform too (it stops the real broker between lockstep steps); the runtime lists
 * them, aligned to the step grid.
 */

export interface FaultPorts {
  /** Holds the platform's input while it is restarting (`platform_restart`). */
  readonly platform_gate?: { down(at_ms: number): void; up(at_ms: number): void };
}

export interface FaultRuntimeOptions {
  /** Lockstep step length: broker outages move onto this grid (start up, length up to whole steps). */
  readonly step_ms?: number;
  /**
   * A shard's runtime (docs/scale-out.md): the whole portfolio (the plan's scopes name devices of
   * every shard) and which sites this shard holds. It plays only the faults and actions of its own
   * sites; those of no site (`''`) belong to shard 0.
   */
  readonly shard?: { readonly portfolio: Portfolio; owns(site: string): boolean };
  /**
   * The run's index of the same portfolio when the caller already holds one (the harness's, which
   * the oracle shares), so a run keeps one rather than two (docs/performance.md, "Memory per device").
   */
  readonly index?: ScopeIndex;
}

export const SCHEDULES = ['normal', 'holiday', 'office', 'clinic', 'retail', 'multifamily', 'home'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

/** A setpoint schedule for the `schedule` action: a building type's, or a holiday (setback all day). */
function scheduleFunction(name: ScheduleName): ZoneSchedule | undefined {
  if (name === 'normal') return undefined;
  if (name === 'holiday') return { type: 'office', holiday: true };
  const type: BuildingType = name;
  return { type, holiday: false };
}

export class FaultRuntime {
  readonly plan: FaultPlan;
  /**
   * `echoes`: events of a platform restart played on a shard that does not own it (below); a
   * sharded run subtracts them from its events, as one simulator has the restart's events once.
   */
  readonly stats = { started: 0, ended: 0, not_applied: 0, actions: 0, echoes: 0 };
  readonly #sim: Simulation;
  readonly #ports: FaultPorts;
  readonly #index: ScopeIndex;
  readonly #step_ms: number;
  readonly #owns: (site: string) => boolean;
  readonly #sharded: boolean;
  /**
   * A shard's sites of the plan's faults and actions, decided once on the whole portfolio: playing
   * its own needs only its own devices, so the whole portfolio's index is not kept (in every
   * shard it held every other shard's device specs too).
   */
  readonly #fault_sites = new Map<FaultInstance, string>();
  readonly #action_sites = new Map<PlannedAction, string | null>();
  /** A shard's count of HVAC controllers among the devices of each action whose devices span sites (its line's `n`). */
  readonly #spanning_hvac = new Map<PlannedAction, number>();

  constructor(sim: Simulation, plan: FaultPlan, ports: FaultPorts = {}, options: FaultRuntimeOptions = {}) {
    this.#sim = sim;
    this.plan = plan;
    this.#ports = ports;
    const portfolio = sim.config.portfolio;
    if (options.index !== undefined && options.index.portfolio !== portfolio) throw new SimError('SIM_INVALID_ARGUMENT', 'the fault runtime was given an index of another portfolio than the one it plays');
    this.#index = options.index ?? new ScopeIndex(portfolio);
    this.#owns = options.shard ? (site) => options.shard!.owns(site) : () => true;
    this.#sharded = options.shard !== undefined;
    if (options.shard) {
      const whole = new ScopeIndex(options.shard.portfolio);
      for (const f of plan.faults) this.#fault_sites.set(f, siteOfFault(whole, f));
      for (const a of plan.actions) {
        const site = siteOfAction(whole, a, true);
        this.#action_sites.set(a, site);
        if (site === null) this.#spanning_hvac.set(a, a.devices.filter((id) => whole.device(id)?.kind === 'hvac').length);
      }
    }
    this.#step_ms = options.step_ms ?? 1;
  }

  /** The plan's broker outages as offsets from the start, on the step grid (what the harness performs). */
  get broker_outages(): Array<{ at_ms: number; duration_ms: number }> {
    return plannedBrokerOutages(this.plan, this.#sim.config.start_ms, this.#sim.end_ms, this.#step_ms);
  }

  /** Puts every fault edge and action on the event queue (call once, after `Simulation.start`). */
  schedule(): void {
    const start = this.#sim.config.start_ms;
    const outages = this.broker_outages;
    let b = 0;
    for (const f of this.plan.faults) {
      if (!this.#owns(this.faultSite(f))) {
        // A platform restart drops the platform's session on every shard's bus at its instant,
        // in its place among the faults; the shard owning it (shard 0) also writes and counts it.
        if (f.scope === 'platform' && this.#ports.platform_gate) this.#echoPlatformFault(f, this.#ports.platform_gate);
        continue;
      }
      if (f.scope === 'broker') {
        // Recorded where the harness really performs it: on the step grid.
        const o = outages[b++]!;
        this.#scheduleFault({ ...f, start_ms: start + o.at_ms, end_ms: start + o.at_ms + o.duration_ms });
      } else {
        this.#scheduleFault(f);
      }
    }
    for (const a of this.plan.actions) {
      const site = this.actionSite(a);
      if (site === null) {
        // Devices of several shards: every shard acts on its own at the action's time, in the
        // action's place on its queue; the run's line (site none, as one simulator writes it) is
        // shard 0's, the others' events are echoes.
        const record = this.#owns('');
        this.#sim.queue.schedule(a.at_ms, Priority.command, `action-${a.id}`, () => this.#act(a, '', record));
        continue;
      }
      if (this.#owns(site)) this.#sim.queue.schedule(a.at_ms, Priority.command, `action-${a.id}`, () => this.#act(a, site));
    }
  }

  /** The site a fault's scope lies in (every scope but the broker and the platform lies in one), or '' for none. */
  faultSite(f: FaultInstance): string {
    return this.#fault_sites.get(f) ?? siteOfFault(this.#index, f);
  }

  /**
   * The site of an action's devices: '' when it names none; when they span sites, '' for a run
   * that holds every site and null for a shard (which plays its own share of it).
   */
  actionSite(a: PlannedAction): string | null {
    return this.#action_sites.has(a) ? this.#action_sites.get(a)! : siteOfAction(this.#index, a, this.#sharded);
  }

  #fields(f: FaultInstance): Record<string, unknown> {
    // Device faults keep the original `{id, kind, d}` shape; wider ones name their scope.
    const where = f.scope === 'device' || f.scope === 'gateway' ? { d: f.on } : { scope: f.scope, on: f.on };
    return { id: f.id, kind: f.fault, ...where, ...(Object.keys(f.params).length > 0 ? { p: f.params } : {}) };
  }

  #scheduleFault(f: FaultInstance): void {
    const sim = this.#sim;
    const site = this.faultSite(f);
    let active: ActiveFault | undefined;
    sim.queue.schedule(f.start_ms, Priority.fault, f.id, () => {
      const devices = this.#index.devices(f.scope, f.on);
      const children = (gw: string): readonly DeviceSpec[] => this.#index.children(gw);
      active = startEffect({ sim, instance: f, rng: sim.rng.get(`fault/${f.id}`), devices, children, ...(this.#ports.platform_gate ? { platform_gate: this.#ports.platform_gate } : {}) });
      this.stats.started++;
      if (!active.applied) this.stats.not_applied++;
      sim.fact('fault', { ...this.#fields(f), s: 'start', ...(active.applied ? {} : { applied: false }) }, site);
    });
    if (f.end_ms === null) return;
    sim.queue.schedule(f.end_ms, Priority.fault, `${f.id}-end`, () => {
      active?.end();
      this.stats.ended++;
      sim.fact('fault', { ...this.#fields(f), s: 'end' }, site);
    });
  }

  #echoPlatformFault(f: FaultInstance, gate: NonNullable<FaultPorts['platform_gate']>): void {
    const sim = this.#sim;
    sim.queue.schedule(f.start_ms, Priority.fault, f.id, () => {
      this.stats.echoes++;
      gate.down(sim.clock.now_ms);
    });
    if (f.end_ms === null) return;
    sim.queue.schedule(f.end_ms, Priority.fault, `${f.id}-end`, () => {
      this.stats.echoes++;
      gate.up(sim.clock.now_ms);
    });
  }

  #twins(a: PlannedAction): DeviceTwin[] {
    return a.devices.map((id) => this.#sim.device(id)).filter((t): t is DeviceTwin => t !== undefined);
  }

  /**
   * Carries out action `a` on this simulator's devices and, when `record`, counts it and writes its
   * line; a shard's share of an action spanning shards does neither (an echo).
   */
  #act(a: PlannedAction, site: string, record = true): void {
    const sim = this.#sim;
    if (record) this.stats.actions++;
    else this.stats.echoes++;
    // Its place on the queue is all it needs here: the harness acts and writes its line (above).
    if (isPlatformAction(a)) return;
    let n = a.devices.length;
    switch (a.action) {
      case 'setpoint': {
        const hvac = this.#twins(a).filter((t) => t.spec.kind === 'hvac');
        for (const t of hvac) {
          if (a.setpoint_c === null) delete t.local.setpoint_override_c;
          else t.local.setpoint_override_c = a.setpoint_c;
        }
        n = this.#spanning_hvac.get(a) ?? hvac.length;
        break;
      }
      case 'schedule': {
        const fn = scheduleFunction(a.schedule as ScheduleName);
        const hvac = this.#twins(a).filter((t) => t.spec.kind === 'hvac');
        for (const t of hvac) {
          if (fn === undefined) delete t.local.schedule_override;
          else t.local.schedule_override = fn;
        }
        n = this.#spanning_hvac.get(a) ?? hvac.length;
        break;
      }
      case 'operator.repair':
        for (const t of this.#twins(a)) t.repair(a.by);
        break;
    }
    if (record) sim.fact('action', { id: a.id, act: a.action, n, ...('rollout' in a ? { rollout: a.rollout } : {}) }, site);
  }
}

/**
 * A plan's broker outages as offsets from `start_ms`, on the step grid: each starts at the first
 * step boundary at or after its fault and lasts whole steps, at least one (a sharded run's
 * coordinator computes them without a simulator).
 */
export function plannedBrokerOutages(plan: FaultPlan, start_ms: number, end_ms: number, step_ms = 1): Array<{ at_ms: number; duration_ms: number }> {
  const grid = (ms: number): number => Math.ceil(ms / step_ms) * step_ms;
  return plan.faults
    .filter((f) => f.scope === 'broker')
    .map((f) => {
      const at_ms = grid(f.start_ms - start_ms);
      const until_ms = f.end_ms === null ? end_ms - start_ms : f.end_ms - start_ms;
      return { at_ms, duration_ms: Math.max(step_ms, grid(until_ms - at_ms)) };
    });
}

function siteOfFault(index: ScopeIndex, f: FaultInstance): string {
  return index.devices(f.scope, f.on)[0]?.site_id ?? '';
}

function siteOfAction(index: ScopeIndex, a: PlannedAction, sharded: boolean): string | null {
  // Its event only holds its step (the harness acts on the platform): shard 0 keeps it, whatever it targets.
  if (isPlatformAction(a)) return '';
  const sites = new Set(a.devices.map((id) => index.device(id)?.site_id ?? ''));
  if (sites.size === 0) return '';
  if (sites.size === 1) return [...sites][0]!;
  return sharded ? null : '';
}
