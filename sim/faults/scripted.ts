import { SimError } from '../kernel/errors.ts';
import type { Simulation } from '../simulation.ts';
import { compilePlan, type TimelineStep } from './plan.ts';
import { FaultRuntime } from './runtime.ts';

/**
 * The scenario file's original `faults:` list (gateway_down, device_down, leak with at/duration):
 * a shorthand for timeline steps, kept because scenarios and tests use it. Each entry becomes one
 * `fault.inject` / `outage.start` step with the id `fault-<n>`.
 */
export type FaultKind = 'device_down' | 'gateway_down' | 'leak';

export interface ScriptedFault {
  readonly kind: FaultKind;
  /** Target device id. */
  readonly device: string;
  /** Offset from the run's start. */
  readonly at_ms: number;
  /** How long until it is over (power back, water gone); undefined = until a technician comes. */
  readonly duration_ms?: number;
}

/** The timeline steps a `faults:` list stands for. */
export function scriptedSteps(faults: readonly ScriptedFault[]): TimelineStep[] {
  return faults.map((f, index) => {
    const common = { id: `fault-${index + 1}`, at_ms: f.at_ms, target: { device: [f.device] }, with: {}, ...(f.duration_ms !== undefined ? { for_ms: f.duration_ms } : {}) };
    return f.kind === 'gateway_down' ? { ...common, action: 'outage.start' as const, outage: f.kind } : { ...common, action: 'fault.inject' as const, fault: f.kind };
  });
}

/** Checks that each fault's device exists and has the kind the fault needs. */
export function checkScriptedFaults(sim: Pick<Simulation, 'device'>, faults: readonly ScriptedFault[]): void {
  faults.forEach((fault, index) => {
    const twin = sim.device(fault.device);
    if (!twin) throw new SimError('SIM_INVALID_TOPOLOGY', `fault ${index + 1} (${fault.kind}) targets unknown device "${fault.device}"`);
    if (fault.kind === 'gateway_down' && twin.spec.kind !== 'gateway') throw new SimError('SIM_INVALID_TOPOLOGY', `fault ${index + 1}: gateway_down needs a gateway, "${fault.device}" is a ${twin.spec.kind}`);
    if (fault.kind === 'leak' && twin.spec.kind !== 'leak') throw new SimError('SIM_INVALID_TOPOLOGY', `fault ${index + 1}: leak needs a leak sensor, "${fault.device}" is a ${twin.spec.kind}`);
  });
}

/** Schedules a `faults:` list on its own (runs without a timeline). */
export function scheduleFaults(sim: Simulation, faults: readonly ScriptedFault[]): FaultRuntime {
  checkScriptedFaults(sim, faults);
  const plan = compilePlan({ portfolio: sim.config.portfolio, seed: sim.config.seed, start_ms: sim.config.start_ms, end_ms: sim.end_ms, steps: scriptedSteps(faults) });
  const runtime = new FaultRuntime(sim, plan);
  runtime.schedule();
  return runtime;
}
