/**
 * What a run is asked (RunOptions) and what it reports (RunSummary): the types the runner, the
 * CLI and the expectations share. Types only, so reading a summary never loads the runner.
 */
import type { DeviceKind } from '../../platform/contract/messages.ts';
import { type TraceSink } from '../../sim/kernel/trace.ts';




import type { MqttTransportOptions } from '../../sim/edge/mqtt/session-options.ts';

import type { Portfolio } from '../../sim/world/topology.ts';
import type { DropReason } from '../../sim/devices/twin.ts';







import { Platform, type PlatformOptions } from '../../platform/core/platform.ts';
import type { SlaReport } from '../../platform/sla/ledger.ts';

import type { CostLedger } from '../../sim/actors/operations.ts';


import { type RolloutControl } from './platform-timeline.ts';

import { type OracleReport } from '../expect/oracle.ts';

import { type PlatformSummary } from './platform-wiring.ts';



import { type RolloutOutcome } from './rollout-outcomes.ts';



import { type DurabilityOptions } from '../../platform/store/durable.ts';






export type TransportName = 'memory' | 'mqtt';
export type MqttMode = 'per-device' | 'gateway';

export interface MqttRunOptions {
  readonly transport: MqttTransportOptions;
  readonly mode: MqttMode;
}

/** Lockstep step length: one simulated minute keeps barriers cheap and events well separated. */
export const DEFAULT_STEP_MS = 60_000;

export interface RunOptions {
  readonly seed?: string;
  readonly duration_ms?: number;
  readonly transport?: TransportName;
  /** Required when transport is mqtt: the broker and how devices map to connections. */
  readonly mqtt?: MqttRunOptions;
  readonly step_ms?: number;
  /** Wall-clock limit for one lockstep step over MQTT (default 60 s). */
  readonly step_timeout_ms?: number;
  /** Lockstep flow control: most messages in flight toward the platform (default 500). */
  readonly window?: number;
  /** Lockstep over MQTT: wall-clock silence after which the platform's subscription is resumed (default 5 s). */
  readonly stall_ms?: number;
  /** Real-time mode: pace virtual time at this many simulated ms per wall ms (no barrier). */
  readonly speed?: number;
  /**
   * Broker outages, offsets from the start. Each is moved onto the step grid (start rounded up,
   * duration rounded up to whole steps) so the real broker stops and starts between steps.
   */
  readonly broker_outages?: ReadonlyArray<{ readonly at_ms: number; readonly duration_ms: number }>;
  /** The real broker's stop/start, for outages over MQTT (the embedded broker provides them). */
  readonly broker_control?: { stop(): Promise<void>; start(): Promise<void> };
  /** The platform in the loop (default on); `false` runs the sim against a bare subscriber. */
  readonly platform?: false | { monitoring?: PlatformOptions['monitoring']; contract?: PlatformOptions['contract'] };
  /** The simulated NOC and field service (default on when the platform is). */
  readonly noc?: boolean;
  /** Receives the finished platform (reports are written from it). */
  readonly on_platform?: (platform: Platform, sim: RunSimView, report: SlaReport) => void;
  /** Receives every trace line (the CLI writes them to a file). */
  readonly trace_sink?: TraceSink;
  /** Called about every simulated hour with progress; the CLI draws its bar from it. */
  readonly on_progress?: (p: RunProgress) => void;
  /** A sharded run's shards at its end: devices and heap of each (the bench's memory per device). */
  readonly on_shards_done?: (shards: ReadonlyArray<{ readonly devices: number; readonly heap_bytes: number }>) => void;
  /** Injected wall clock for timing the run (the simulation itself never sees it). */
  readonly wall_clock_ms?: () => number;
  /** Carries out the timeline's rollout actions (start, pause, resume, cancel); required when it has any. */
  readonly rollout_control?: RolloutControl;
  /** Called after every lockstep step with the live platform (expectations checked during the run). */
  readonly on_step?: (step_end_ms: number, live: { readonly platform: Platform | undefined; readonly sim: RunSimView }) => void;
  /**
   * The platform's durable store (docs/durability.md). `auto` (default): a store only when needed —
   * an SQLite store in `data_dir` when given, else an in-memory store when the plan restarts the
   * platform; `none`: no store, and a `platform_restart` only holds the platform's input (the
   * platform object lives on, as if its state were perfectly kept) — the reference the store is
   * tested against.
   */
  readonly platform_store?: 'auto' | 'memory' | 'none';
  /** A directory for the SQLite store (`--data`); must hold no store yet (a run starts empty). */
  readonly data_dir?: string;
  /** Snapshot cadence and retention (tests make them small to exercise them). */
  readonly durability?: DurabilityOptions;
  /**
   * Simulator shards beside this process, which keeps the platform: unset or 0 runs the one
   * simulator in this process; N ≥ 1 splits the portfolio by site over N simulators of their own
   * (1: all sites in one, whose steps overlap the platform's work on another core). Same trace
   * hash for any count (docs/scale-out.md).
   */
  readonly shards?: number;
  /**
   * Where shards run: each in a process forked here (default), all in this one (tests of the split
   * itself), or anywhere that reaches `shard_broker`, started with `msp-twin shard` (docs/scale-out.md).
   */
  readonly shard_placement?: 'process' | 'in-process' | 'broker';
  /**
   * Lockstep steps a shard runs per request while the platform cannot send commands
   * (harness/run/shards/sharded-lockstep.ts, DEFAULT_WINDOW_STEPS). Any value gives the same
   * trace; tests vary it to prove that, the bench to price the round trips.
   */
  readonly shard_window_steps?: number;
  /** The broker shards and coordinator meet on, and the run id that keeps runs apart on it. */
  readonly shard_broker?: { readonly transport: MqttTransportOptions; readonly run: string };
}

/**
 * What a run's callbacks see of the simulator: the whole portfolio. A sharded run has no single
 * Simulation object to hand out (docs/scale-out.md).
 */
export interface RunSimView {
  readonly config: { readonly portfolio: Portfolio };
}

export interface RunProgress {
  readonly sim_ms: number;
  readonly start_ms: number;
  readonly end_ms: number;
  readonly events: number;
  readonly messages: number;
}

export interface RunSummary {
  readonly scenario: string;
  readonly seed: string;
  readonly transport: TransportName;
  readonly mqtt_mode: MqttMode | null;
  readonly connections: number | null;
  readonly steps: number;
  /**
   * The run's simulator shards (`--shards`): processes beside the run's own (or elsewhere, through
   * a broker; in this process only in tests of the split), 0 when the simulator ran in the run's process.
   */
  readonly shards: number;
  /** Real-time speed, or null for lockstep. */
  readonly speed: number | null;
  /** Real-time mode: the largest lag behind the wall-clock schedule (simulated ms). */
  readonly max_lag_ms: number | null;
  readonly start_ms: number;
  readonly end_ms: number;
  readonly sim_span_ms: number;
  readonly wall_ms: number;
  readonly devices: number;
  readonly devices_by_kind: Partial<Record<DeviceKind, number>>;
  readonly sites: number;
  readonly buildings: number;
  readonly messages: number;
  readonly messages_by_class: Record<string, number>;
  readonly messages_by_kind: Partial<Record<DeviceKind, number>>;
  readonly received_by_monitor: number;
  readonly dropped: Record<DropReason, number>;
  readonly broker_outages: number;
  readonly wills: number;
  readonly events: number;
  readonly events_per_wall_s: number;
  readonly trace_lines: number;
  readonly trace_bytes: number;
  readonly platform: PlatformSummary | null;
  /** Each rollout's outcome (platform state joined with the simulator's ground truth: bricks, fallbacks). */
  readonly rollouts: readonly RolloutOutcome[];
  /** The timeline and fault processes as played: faults started, ones that could not take hold, actions run. */
  readonly faults: { readonly injected: number; readonly not_applied: number; readonly actions: number; readonly platform_backlog_max: number; readonly platform_backlog_dropped: number;
    /** platform_restart over the bus or broker: sessions resumed, and messages delivered from the session's queue. */
    readonly platform_session_resumes: number; readonly platform_queued_delivered: number;
    /** Reconnects that restarted a stalled subscription (docs/mqtt.md, "Stalled subscriptions"). */
    readonly platform_stall_resumes: number };
  /** The platform's store, when the run had one: where, restarts recovered from it, and its size. */
  readonly store: { readonly location: string; readonly restarts: number; readonly replayed_inputs: number; readonly records: number; readonly snapshots: number; readonly bytes: number } | null;
  /** Ground-truth scoring of the platform against the injected faults (null without a platform). */
  readonly oracle: OracleReport | null;
  /** What the field service cost under the scenario's operations policy (null without the simulated NOC; docs/operations.md). */
  readonly costs: CostLedger | null;
  readonly trace_hash: string;
}
