import { Priority } from '../kernel/event-queue.ts';
import { SimError } from '../kernel/errors.ts';
import { startLeak } from '../devices/kinds/leak-sensor.ts';
import type { Simulation } from '../simulation.ts';

/**
 * Scripted faults as data: what happens, to which device, when and for how long. Each one is a
 * labelled interval recorded in the trace (`fault` start/end), the ground truth that expectations
 * and the oracle score the platform against. (The full fault library and timeline DSL build on
 * this.)
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

export function scheduleFaults(sim: Simulation, faults: readonly ScriptedFault[]): void {
  faults.forEach((fault, index) => {
    const twin = sim.device(fault.device);
    if (!twin) throw new SimError('SIM_INVALID_TOPOLOGY', `fault ${index + 1} (${fault.kind}) targets unknown device "${fault.device}"`);
    if (fault.kind === 'gateway_down' && twin.spec.kind !== 'gateway') throw new SimError('SIM_INVALID_TOPOLOGY', `fault ${index + 1}: gateway_down needs a gateway, "${fault.device}" is a ${twin.spec.kind}`);
    if (fault.kind === 'leak' && twin.spec.kind !== 'leak') throw new SimError('SIM_INVALID_TOPOLOGY', `fault ${index + 1}: leak needs a leak sensor, "${fault.device}" is a ${twin.spec.kind}`);
    const at = sim.config.start_ms + fault.at_ms;
    const id = `fault-${index + 1}`;
    sim.queue.schedule(at, Priority.fault, id, () => {
      sim.fact('fault', { id, kind: fault.kind, d: fault.device, s: 'start' });
      if (fault.kind === 'leak') startLeak(twin, fault.duration_ms);
      else twin.die(fault.kind);
    });
    if (fault.duration_ms !== undefined) {
      sim.queue.schedule(at + fault.duration_ms, Priority.fault, `${id}-end`, () => {
        sim.fact('fault', { id, kind: fault.kind, d: fault.device, s: 'end' });
        // Power back: the device boots again by itself (no technician needed).
        if (fault.kind !== 'leak') twin.restorePower();
      });
    }
  });
}
