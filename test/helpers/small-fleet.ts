import { TraceJournal } from '../../sim/kernel/trace.ts';
import { MemoryBus } from '../../sim/edge/memory-bus.ts';
import { MemoryTransport } from '../../sim/edge/memory-transport.ts';
import { Simulation } from '../../sim/simulation.ts';
import type { FleetSpec } from '../../sim/world/fleet-spec.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import type { Portfolio } from '../../sim/world/topology.ts';

export const START_MS = Date.UTC(2026, 2, 2, 5, 0); // Monday 2026-03-02 00:00 in New York

export interface TracedRun {
  lines: string[];
  hash: string;
  sim: Simulation;
  bus: MemoryBus;
  portfolio: Portfolio;
}

/** Runs a fleet on the in-memory bus and keeps every trace line. */
export function runFleet(fleet: FleetSpec, seed: string, duration_ms: number, start_ms = START_MS): TracedRun {
  const lines: string[] = [];
  const trace = new TraceJournal((l) => lines.push(l));
  const portfolio = generatePortfolio('test', fleet);
  const bus = new MemoryBus();
  const sim = new Simulation({ seed, start_ms, duration_ms, portfolio, telemetry_qos: 1 }, { transport: new MemoryTransport(bus), trace });
  sim.start();
  sim.runUntil(start_ms + duration_ms);
  return { lines, hash: trace.digestHex(), sim, bus, portfolio };
}

export interface PubRecord {
  t: number;
  c: string;
  topic: string;
  q: number;
  r: boolean;
  p: Record<string, unknown>;
}

export function publishes(lines: readonly string[]): PubRecord[] {
  return lines.map((l) => JSON.parse(l) as { k: string } & PubRecord).filter((r) => r.k === 'pub');
}

/** Every trace line that concerns one device (its messages, power changes, drops, wills). */
export function linesOf(lines: readonly string[], device_id: string): string[] {
  return lines.filter((l) => {
    const r = JSON.parse(l) as { c?: string; d?: string };
    return r.c === device_id || r.d === device_id;
  });
}

/** One small office: a floor or two of mixed devices in New York. */
export function smallOffice(opts: { floors?: number; zones?: number; type?: 'office' | 'clinic' | 'retail' | 'multifamily' | 'home' } = {}): FleetSpec {
  return {
    sites: [
      {
        id: 'nyc',
        metro: 'New York',
        timezone: 'America/New_York',
        buildings: [
          {
            id: 'hq',
            type: opts.type ?? 'office',
            floors: opts.floors ?? 1,
            zones_per_floor: opts.zones ?? 2,
            per_zone: { occupancy: 1, env: 1, hvac: 1, lighting: 1 },
            per_floor: { lock: 1, leak: 1 },
          },
        ],
      },
    ],
  };
}
