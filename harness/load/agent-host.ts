import { AgentPool, type AgentConfig, type AgentDeps, type AgentProgress, type ConnectPlan, type ConnectResult, type HoldPlan, type HoldResult, type RampDownResult } from './agents.ts';
import { blast } from './ceiling.ts';
import { clientOptions } from './client-options.ts';
import { UsageMeter, type ProcessUsage } from './process-usage.ts';
import { ChildRpc, serveRpc } from './rpc.ts';

/**
 * Where a generator's agents run: in the coordinator's own process (`--workers 0`, small runs and
 * tests) or in a worker process of their own, driven over IPC. The coordinator sees the same
 * interface either way.
 */
export interface CalibratePlan {
  readonly url: string;
  readonly client_ids: readonly string[];
  readonly messages: number;
  readonly qos: 0 | 1;
}

export interface AgentHost {
  readonly label: string;
  readonly pid: number;
  connect(plan: ConnectPlan): Promise<ConnectResult>;
  hold(plan: HoldPlan): Promise<HoldResult>;
  rampDown(plan: { rate_per_s: number; timeout_ms: number }): Promise<RampDownResult>;
  calibrate(plan: CalibratePlan): Promise<{ sent: number }>;
  /** The latest progress (pushed once a second by a worker process). */
  progress(): AgentProgress;
  /** This host's own process usage; null in-process (the coordinator's figure covers it). */
  usage(): Promise<ProcessUsage | null>;
  resetUsage(): Promise<void>;
  close(): Promise<void>;
}

/** Epoch ms with a fractional part: comparable across processes on one machine. */
export const wallEpochMs = (): number => performance.timeOrigin + performance.now(); // wall-clock: load timing
export const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms)); // wall-clock: pacing

const realDeps: AgentDeps = { wall_ms: wallEpochMs, sleep: sleepMs };

function calibrate(config: AgentConfig, plan: CalibratePlan): Promise<{ sent: number }> {
  const options = clientOptions(plan.url, config.client);
  return blast({ url: plan.url, client_ids: plan.client_ids, messages: plan.messages, qos: plan.qos, options: (id) => options(id) });
}

export function inProcessAgents(config: AgentConfig): AgentHost {
  const pool = new AgentPool(config, realDeps);
  return {
    label: 'in-process',
    pid: process.pid,
    connect: (p) => pool.connect(p),
    hold: (p) => pool.hold(p),
    rampDown: (p) => pool.rampDown(p),
    calibrate: (p) => calibrate(config, p),
    progress: () => pool.progress(),
    usage: async () => null,
    resetUsage: async () => {},
    close: () => pool.destroy(),
  };
}

const IDLE: AgentProgress = { phase: 'idle', connected: 0, failures: 0, dropped: 0, sent: 0, acked: 0, alerts: 0 };

/** Forks a worker process and hands it its share of the fleet. */
export async function spawnAgents(config: AgentConfig, phase_timeout_ms: number): Promise<AgentHost> {
  let last = IDLE;
  const label = `worker-${config.worker + 1}`;
  const rpc = new ChildRpc(label, new URL('./entry/agents.ts', import.meta.url), (v) => (last = v as AgentProgress));
  try {
    await rpc.call('init', config, 60_000);
  } catch (err) {
    await rpc.stop(1_000);
    throw err;
  }
  return {
    label,
    pid: rpc.pid,
    connect: (p) => rpc.call('connect', p, phase_timeout_ms),
    hold: (p) => rpc.call('hold', p, phase_timeout_ms),
    rampDown: (p) => rpc.call('rampDown', p, phase_timeout_ms),
    calibrate: (p) => rpc.call('calibrate', p, phase_timeout_ms),
    progress: () => last,
    usage: () => rpc.call('usage', {}, 10_000),
    resetUsage: () => rpc.call('resetUsage', {}, 10_000),
    close: () => rpc.stop(),
  };
}

/** Child side (harness/load/entry/agents.ts). */
export function serveAgents(): void {
  let pool: AgentPool | undefined;
  let config: AgentConfig | undefined;
  const meter = new UsageMeter('generator');
  const need = (): AgentPool => {
    if (!pool) throw new Error('init first');
    return pool;
  };
  const channel = serveRpc(
    {
      init: (c: AgentConfig) => {
        config = c;
        pool = new AgentPool(c, realDeps);
        return { units: pool.units.length };
      },
      connect: (p: ConnectPlan) => need().connect(p),
      hold: (p: HoldPlan) => need().hold(p),
      rampDown: (p: { rate_per_s: number; timeout_ms: number }) => need().rampDown(p),
      calibrate: (p: CalibratePlan) => calibrate(config!, p),
      usage: () => meter.snapshot(),
      resetUsage: () => meter.reset(),
    },
    async () => {
      meter.stop();
      await pool?.destroy();
    },
  );
  // wall-clock: progress for the coordinator's live figures and /metrics, once a second
  setInterval(() => {
    if (pool) channel.notify(pool.progress());
  }, 1_000).unref();
}
