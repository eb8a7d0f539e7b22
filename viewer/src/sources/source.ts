import type { TopologyDoc } from '../config.ts';
import type { FleetState } from '../model/fleet-state.ts';
import type { DeviceRegistry } from '../model/registry.ts';

/** Where the fleet's state comes from: a recorded trace, a live broker, or a synthetic bench fleet. */
export interface Source {
  readonly mode: 'replay' | 'live' | 'bench';
  readonly registry: DeviceRegistry;
  readonly state: FleetState;
  readonly topology_doc: TopologyDoc | null;
  readonly title: string;
  /** Once per animation frame: advance playback / apply what arrived. */
  tick(wall_ms: number): void;
  /** Simulated ms per wall ms for the clock, or null when unknown. */
  speed(): number | null;
  /** The device's last OTA status and event payloads, and (maybe asynchronously) its last telemetry values. */
  lastOta(d: number): Record<string, unknown> | null;
  lastEvent(d: number): Record<string, unknown> | null;
  telemetryValues(d: number): Promise<Record<string, unknown> | null>;
  /** Live only: the broker connection. */
  connection?(): 'connecting' | 'connected' | 'down';
}
