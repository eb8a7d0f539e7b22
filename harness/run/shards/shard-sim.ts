import type { OtaCommandPayload } from '../../../platform/contract/messages.ts';
import { ALL_DEVICE_MESSAGES } from '../../../platform/contract/topics.ts';
import { MemoryBus } from '../../../sim/edge/memory-bus.ts';
import { MemoryTransport } from '../../../sim/edge/memory-transport.ts';
import { compilePlan, type TimelineStep } from '../../../sim/faults/plan.ts';
import type { FaultProcess } from '../../../sim/faults/plan.ts';
import { FaultRuntime } from '../../../sim/faults/runtime.ts';
import type { StepLineBatch } from '../../../sim/kernel/step-lines.ts';
import { publishLineMessage, TraceJournal } from '../../../sim/kernel/trace.ts';
import { Simulation, type DeviceVitals, type SimulationStats } from '../../../sim/simulation.ts';
import type { FleetSpec } from '../../../sim/world/fleet-spec.ts';
import { generatePortfolio } from '../../../sim/world/generate.ts';
import { MspError } from '../../../common/errors.ts';
import { settledHeapBytes } from '../../../common/settled-heap.ts';
import { simFirmware, withInstalledFleet, type ScenarioFirmware } from '../../scenario/firmware-catalog.ts';
import { assignSites, shardPortfolio } from './split.ts';

/** What a shard needs to build its part of the run: the scenario's data (plain, so it crosses a process boundary). */
export interface ShardInit {
  readonly index: number;
  readonly count: number;
  readonly scenario_name: string;
  readonly fleet: FleetSpec;
  readonly firmware: readonly ScenarioFirmware[];
  readonly steps: readonly TimelineStep[];
  readonly processes: readonly FaultProcess[];
  readonly seed: string;
  readonly start_ms: number;
  readonly duration_ms: number;
  readonly step_ms: number;
  /** The coordinator runs the NOC: every cell reports the devices that died, came back or were repaired. */
  readonly vitals?: boolean;
  /** The run's broker outages, absolute and on the step grid: every shard's devices lose the broker together. */
  readonly broker_outages?: ReadonlyArray<{ readonly at_ms: number; readonly duration_ms: number }>;
  /** False when the run has no platform in the loop: a platform restart then has nothing to restart (not applied). */
  readonly platform?: boolean;
}

/** A platform command routed to this shard (its device is here). */
export interface ShardPlatformCommand {
  readonly device_id: string;
  readonly command: OtaCommandPayload;
}

/** A technician's visit the coordinator's NOC booked for devices of this shard (Simulation.scheduleRepair). */
export interface ShardRepair {
  readonly repair: {
    readonly at_ms: number;
    readonly devices: ReadonlyArray<readonly [id: string, replacement_fw: string | null]>;
    readonly by: string;
  };
}

/** What the coordinator hands a shard with its next window, applied in order (the order one simulator applies them at a boundary). */
export type ShardCommand = ShardPlatformCommand | ShardRepair;

/** One lockstep step (a cell of the step grid in which this shard had events), as its coordinator needs it. */
export interface ShardCell {
  /** The step's end: the grid cell's end (or the run's end), exclusive. */
  readonly step_end: number;
  /** The step's trace lines in (time, site, site-local) order. */
  readonly lines: StepLineBatch;
  /**
   * What the broker delivered to the platform's subscription, in delivery order. A device's publish
   * is the place in `lines` of its `pub` line, which carries the same topic and payload (delivered
   * with retain 0, as a forwarded message is; `shardMessage` reads it back): sending the payload
   * again beside its line doubled what crossed the process boundary. Anything else (a will) is
   * sent as it is.
   */
  readonly messages: ReadonlyArray<ShardMessage>;
  readonly wills: ReadonlyArray<[string, number]>;
  /** Messages and wills the platform must receive for this step. */
  readonly sent: number;
  /** With `ShardInit.vitals`: the devices of this shard that died, came back or were repaired in the step, as they are at its end. */
  readonly vitals?: readonly DeviceVitals[];
}

/** One delivered message: the place of its `pub` line in the cell's lines, or the message itself. */
export type ShardMessage = number | readonly [topic: string, payload: string, retained: boolean];

/** A cell's message as the platform receives it: topic, payload, retained. */
export function shardMessage(lines: StepLineBatch, m: ShardMessage): readonly [string, string, boolean] {
  if (typeof m !== 'number') return m;
  const line = lines.line[m];
  if (line === undefined || lines.kind[m] !== 'pub') throw new MspError('RUN_SHARD_PROTOCOL', `a message refers to line ${m} of its step, which is not a pub line`);
  const { topic, payload } = publishLineMessage(line);
  return [topic, payload, false];
}

/**
 * What one request made a shard do: every step of the window in which it had an event, in time
 * order (steps where only other shards had events are not listed; the coordinator merges them).
 */
export interface ShardAdvance {
  readonly cells: readonly ShardCell[];
  /** Virtual time of this shard's next event, or null when its queue is empty. */
  readonly next_at: number | null;
  /** Events this shard has processed so far (for progress). */
  readonly events: number;
}

/** A device's update agent as the rollout outcome reads it (harness/run/rollout-outcomes.ts). */
export interface OtaView {
  readonly job: string;
  readonly bricked: boolean;
  readonly bricked_once: boolean;
  readonly state: string;
}

export interface ShardFinal {
  readonly stats: SimulationStats;
  /** The fault runtime's counters for this shard's faults and actions. */
  readonly faults: { readonly started: number; readonly not_applied: number; readonly actions: number; readonly echoes: number };
  /** Messages this shard's bus queued for the platform's session while a restart had it down, delivered at step ends. */
  readonly platform_queued_delivered: number;
  readonly ota: Record<string, OtaView>;
  /**
   * What the shard's simulation holds on its process's heap at the end of the run: the heap then
   * less the heap before it was built (the loaded code), each after full collections
   * (common/settled-heap.ts). In-process shards (tests) read their host's heap, which says
   * nothing about one shard.
   */
  readonly heap_bytes: number;
  readonly devices: number;
}

const EMPTY: StepLineBatch = { t: [], site: [], kind: [], line: [] };

/**
 * One shard: a deterministic simulator of its sites on its own in-memory bus (which gives wills
 * and sessions their MQTT meaning), with the fault runtime playing the faults of its sites. It
 * writes no trace of its own: each step's lines go to the coordinator, which merges every
 * shard's (docs/scale-out.md). Used in the shard's process, and by tests in-process.
 */
export class ShardSimulator {
  readonly sim: Simulation;
  readonly #faults: FaultRuntime;
  #lines: StepLineBatch = EMPTY;
  #positions: Int32Array | null = null;
  #messages: ShardMessage[] = [];
  /** The platform's session on this shard's bus, and whether a platform restart holds it down. */
  readonly #platform: ReturnType<MemoryBus['connect']>;
  #platform_down = false;
  #platform_queued = 0;
  readonly #heap_base_bytes = settledHeapBytes();
  readonly #grid_start_ms: number;
  readonly #step_ms: number;

  constructor(init: ShardInit) {
    if (!Number.isSafeInteger(init.step_ms) || init.step_ms <= 0) throw new MspError('RUN_SHARD_PROTOCOL', `shard ${init.index}: step_ms must be a positive whole number of ms, got ${init.step_ms}`);
    this.#grid_start_ms = init.start_ms;
    this.#step_ms = init.step_ms;
    const whole = generatePortfolio(init.scenario_name, init.fleet);
    const assignment = assignSites(whole, init.count);
    const portfolio = shardPortfolio(whole, assignment, init.index);
    const firmware = withInstalledFleet(init.firmware, whole.devices);
    // Nothing subscribes after the forwarder below (devices never do on the memory bus), so no
    // retained message could ever be delivered here: the shard keeps none (the coordinator's
    // platform gets births and states as they are published, like any other message).
    const bus = new MemoryBus({ keep_retained: false });
    // The platform's side of this shard's bus: what it delivers is what the platform must receive.
    // A device's publish is delivered while the simulator marks its pub line (a number here, mapped
    // to the line's place in the step's batch when the step ends); a will is not.
    const platform = bus.connect('msp-platform', {
      persistent: true,
      on_message: (m) => {
        const line = this.sim.publishing_line;
        this.#messages.push(line >= 0 && !m.retain ? line : [m.topic, m.payload, m.retain]);
      },
    });
    platform.subscribe(ALL_DEVICE_MESSAGES);
    this.#platform = platform;
    // A shard's lines all go through step batches; anything written outside a step would have no
    // place in the merged trace, so it fails loudly instead of vanishing.
    const loose = new TraceJournal((line) => {
      throw new MspError('RUN_SHARD_PROTOCOL', `shard ${init.index} wrote a trace line outside a step: ${line.slice(0, 120)}`);
    });
    this.sim = new Simulation(
      { seed: init.seed, start_ms: init.start_ms, duration_ms: init.duration_ms, portfolio, telemetry_qos: 1, firmware: simFirmware(firmware), shard: { index: init.index, count: init.count } },
      {
        transport: new MemoryTransport(bus),
        trace: loose,
        step_lines: (batch, positions) => {
          this.#lines = batch;
          this.#positions = positions;
        },
      },
    );
    if (init.vitals === true) this.sim.watchVitals();
    this.sim.start();
    const plan = compilePlan({ portfolio: whole, seed: init.seed, start_ms: init.start_ms, end_ms: this.sim.end_ms, steps: init.steps, processes: init.processes });
    // A platform restart takes the platform's session off this shard's bus as MemoryBarrier takes
    // it off one simulator's (harness/run/barriers.ts): what devices publish meanwhile queues and
    // is delivered at each step's end; the coordinator holds the platform itself (its gate).
    const platform_gate = {
      down: (): void => {
        this.#platform_down = true;
        platform.drop();
      },
      up: (): void => {
        this.#platform_down = false;
        this.#platform_queued += platform.reconnect();
      },
    };
    this.#faults = new FaultRuntime(this.sim, plan, init.platform === false ? {} : { platform_gate }, { step_ms: init.step_ms, shard: { portfolio: whole, owns: (site) => (site === '' ? init.index === 0 : assignment.get(site) === init.index) } });
    this.#faults.schedule();
    // After the faults, as one simulator schedules them: the same order among events of one time.
    for (const o of init.broker_outages ?? []) this.sim.scheduleBrokerOutage(o.at_ms, o.duration_ms, init.index === 0);
  }

  get next_at(): number | null {
    return this.sim.nextEventAt() ?? null;
  }

  /**
   * Takes the last step's commands for this shard's devices, then runs the step grid's cells up
   * to `window_end_ms` (exclusive, on the grid or the run's end) one lockstep step at a time,
   * exactly as runLockstep would step a simulator holding only these sites: each cell that holds
   * an event is one step, run to its last millisecond. The clock is left at the window's last
   * millisecond, where stepping every cell of the window would leave it, since a command is
   * scheduled from the clock (Simulation.scheduleCommand).
   */
  advance(window_end_ms: number, commands: readonly ShardCommand[]): ShardAdvance {
    for (const c of commands) {
      if ('repair' in c) this.sim.scheduleRepair(c.repair.at_ms, c.repair.devices, c.repair.by);
      else this.sim.scheduleCommand(c.device_id, c.command);
    }
    const end_ms = this.sim.end_ms;
    const limit = Math.min(window_end_ms, end_ms);
    const cells: ShardCell[] = [];
    for (;;) {
      const next = this.sim.nextEventAt();
      if (next === undefined || next >= limit) break;
      const cell_end = Math.min(end_ms, this.#grid_start_ms + (Math.floor((next - this.#grid_start_ms) / this.#step_ms) + 1) * this.#step_ms);
      cells.push(this.#runCell(cell_end));
    }
    // No event is left before the window's end, so this only moves the clock.
    this.sim.runUntil(limit - 1);
    return { cells, next_at: this.next_at, events: this.sim.stats.events };
  }

  #runCell(step_end: number): ShardCell {
    const before = this.#sentSoFar();
    this.#lines = EMPTY;
    this.#positions = null;
    this.#messages = [];
    this.sim.runUntil(step_end - 1);
    if (this.#platform_down) {
      // The step's end, as one simulator's barrier takes it: resume to take the queue, drop again.
      this.#platform_queued += this.#platform.reconnect();
      this.#platform.drop();
    }
    const sent = this.#sentSoFar() - before;
    const positions = this.#positions;
    const messages = this.#messages;
    // Places among the lines as pushed, to places in the batch the step ended with (time, site order).
    if (positions !== null) for (let i = 0; i < messages.length; i++) if (typeof messages[i] === 'number') messages[i] = positions[messages[i] as number]!;
    const vitals = this.sim.drainVitals();
    return { step_end, lines: this.#lines, messages, wills: this.sim.drainWillTimes(), sent, ...(vitals.length > 0 ? { vitals } : {}) };
  }

  #sentSoFar(): number {
    let n = this.sim.stats.wills;
    for (const v of Object.values(this.sim.stats.published)) n += v;
    return n;
  }

  /** The shard's counters and the update agents of `device_ids` that live here. */
  finish(device_ids: readonly string[]): ShardFinal {
    const ota: Record<string, OtaView> = {};
    for (const id of device_ids) {
      const agent = this.sim.device(id)?.ota;
      if (agent) ota[id] = { job: agent.job, bricked: agent.bricked, bricked_once: agent.bricked_once, state: agent.state };
    }
    const f = this.#faults.stats;
    return { stats: this.sim.stats, faults: { started: f.started, not_applied: f.not_applied, actions: f.actions, echoes: f.echoes }, platform_queued_delivered: this.#platform_queued, ota, heap_bytes: settledHeapBytes() - this.#heap_base_bytes, devices: this.sim.twins.length };
  }
}
