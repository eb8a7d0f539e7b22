import type { DeviceKind } from '../../platform/contract/messages.ts';
import { withoutShortOutages, type SlaContract } from '../../platform/sla/contract.ts';
import { clip, intersect, normalize, serviceTime, subtract, totalMs, union, type Interval, type IntervalSet } from '../../platform/sla/intervals.ts';
import type { SlaReport } from '../../platform/sla/ledger.ts';
import type { ScopeIndex } from '../../sim/faults/scope.ts';
import { nearestRank } from './stats.ts';
import { MS_PER_MINUTE } from '../../common/time.ts';

/**
 * The SLA oracle: how much down time there truly was, beside what the platform measured.
 *
 * A device is truly down while it cannot get a report to the platform: it is dead or powered off,
 * its session is gone (a crash, its own link), its gateway is down or cut off, or the broker is
 * down — read from the simulator's facts in the trace (`power`, `will`, `lost`, `connect`,
 * `broker`) — or everything it sends is garbage (a `malformed_payloads` fault at 100 %) — never
 * from the platform's `p.*` lines. Its true ledger starts at its first successful
 * connection (the platform's starts at the first birth it hears, a moment later). The contract's
 * rules are applied the same way the ledger applies them (docs/sla.md): agreed service time from
 * service hours minus maintenance windows, site-local; exclusions from the faults whose cause the
 * client answers for (floor and building power → `power_or_network`, a site's uplink → `uplink`),
 * over the fault's real interval, on the devices it affected. With `unreachable_counts_as:
 * unknown` the platform excuses UNREACHABLE time; the truth then leaves out a device's down time
 * while its gateway was down (the same "unknown" time, as the world knew it).
 *
 *   error_pct = |measured − true| / max(true, 1 device-minute, 0.001 % of agreed device-time) × 100
 *
 * (the floor keeps a run whose only truth is a 2-second reboot from reading 100 % off: a
 * difference below one device-minute is below the resolution of a one-minute lockstep, and one
 * below 0.001 % of the agreed device-time cannot move the availability the report prints).
 *
 * Detection delay: for each true down episode, the time until the platform first marked the
 * device OFFLINE or UNREACHABLE (its `p.live` lines), by device kind; episodes it never marked
 * before they ended are counted as undetected (a reboot of a few seconds is rightly never seen).
 */

export interface TruthInput {
  readonly index: ScopeIndex;
  readonly from_ms: number;
  readonly to_ms: number;
  readonly contract: SlaContract;
  readonly timezone_of: (site_id: string) => string;
  /** Raw true down windows per device (its own facts), to = null while still down. */
  readonly down: ReadonlyMap<string, ReadonlyArray<{ from: number; to: number | null }>>;
  readonly broker: ReadonlyArray<{ from: number; to: number | null }>;
  /** First successful connection per device. */
  readonly first_connect: ReadonlyMap<string, number>;
  /** Fault intervals (applied ones count), for exclusions by cause. */
  readonly faults: ReadonlyArray<{ readonly id: string; readonly fault: string; readonly scope: string; readonly on: string; readonly start_ms: number; readonly end_ms: number | null; readonly applied: boolean; readonly params: Readonly<Record<string, number>> }>;
  /** Platform down marks per device: times at which it went OFFLINE or UNREACHABLE. */
  readonly marked_down: ReadonlyMap<string, readonly number[]>;
  readonly measured: SlaReport;
}

export interface DelayStats {
  readonly kind: string;
  readonly episodes: number;
  readonly detected: number;
  readonly undetected: number;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
  readonly max_ms: number | null;
}

export interface BuildingTruth {
  readonly site: string;
  readonly building: string;
  readonly devices: number;
  readonly true_downtime_device_min: number;
  readonly measured_downtime_device_min: number;
  readonly error_pct: number;
}

export interface SlaTruth {
  readonly true_downtime_device_min: number;
  readonly measured_downtime_device_min: number;
  readonly error_pct: number;
  readonly true_downtime_ms: number;
  readonly measured_downtime_ms: number;
  readonly excluded_true_ms: number;
  readonly unreachable_counts_as: 'down' | 'unknown';
  readonly buildings: readonly BuildingTruth[];
  readonly detection_delay: readonly DelayStats[];
}

/** Which incident cause a fault class shows up as (docs/monitoring.md), for exclusions. */
const FAULT_CAUSE: Readonly<Record<string, string>> = {
  floor_power: 'power_or_network',
  building_power: 'power_or_network',
  building_uplink: 'power_or_network',
  site_uplink: 'uplink',
  gateway_down: 'gateway_down',
  device_down: 'device_offline',
};

/** Faults that, at 100 %, let nothing the device sends reach the platform. */
const TOTAL_LOSS_FAULTS: ReadonlySet<string> = new Set(['malformed_payloads', 'packet_loss', 'rf_interference']);

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** The availability the report prints resolves 0.001 % (three decimals of a percent). */
const AVAILABILITY_RESOLUTION = 0.00001;

/**
 * |m − t| / max(t, 1 device-minute, resolution × agreed) in percent: a difference below a
 * device-minute is below the lockstep's resolution, and one below the printed availability's
 * resolution of the agreed device-time changes no number the client sees.
 */
export function errorPct(measured: number, truth: number, agreed = 0): number {
  return r3((Math.abs(measured - truth) / Math.max(truth, MS_PER_MINUTE, agreed * AVAILABILITY_RESOLUTION)) * 100);
}

function closed(list: ReadonlyArray<{ from: number; to: number | null }> | undefined, end_ms: number): Interval[] {
  return (list ?? []).map((w) => [w.from, Math.max(w.from, w.to ?? end_ms)] as Interval);
}

export function slaTruth(input: TruthInput): SlaTruth {
  const { index, from_ms, to_ms, contract } = input;
  const counts_unreachable = (contract.unreachable_counts_as ?? 'down') === 'down';
  const excluded_causes = new Set(contract.exclude_causes);
  const broker = normalize(closed(input.broker, to_ms));

  // Exclusions from the faults themselves: their real interval, on what they affected.
  const excl = new Map<string, Interval[]>();
  for (const f of [...input.faults].sort((a, b) => a.start_ms - b.start_ms || (a.id < b.id ? -1 : 1))) {
    const cause = FAULT_CAUSE[f.fault];
    if (!f.applied || cause === undefined || !excluded_causes.has(cause)) continue;
    for (const d of index.affected(f.fault, f.scope as never, f.on)) {
      const list = excl.get(d) ?? [];
      list.push([f.start_ms, Math.max(f.start_ms, f.end_ms ?? to_ms)]);
      excl.set(d, list);
    }
  }

  // A device whose every report is corrupted (malformed_payloads at 100 %) gets nothing usable to
  // the platform: down for the client, although its session is up.
  const garbled = new Map<string, Interval[]>();
  // Likewise a link that loses every frame (packet loss or radio interference at 100 %).
  for (const f of input.faults) {
    if (!f.applied || !TOTAL_LOSS_FAULTS.has(f.fault) || (f.params.percent ?? 0) < 100) continue;
    for (const d of index.affected(f.fault, f.scope as never, f.on)) {
      const list = garbled.get(d) ?? [];
      list.push([f.start_ms, Math.max(f.start_ms, f.end_ms ?? to_ms)]);
      garbled.set(d, list);
    }
  }

  const measured = new Map(input.measured.devices.map((d) => [d.id, d.downtime_ms]));
  const service = new Map<string, IntervalSet>();
  const by_building = new Map<string, { site: string; building: string; devices: number; truth: number; measured: number; agreed: number }>();
  const episodes_by_kind = new Map<DeviceKind, { episodes: number; delays: number[] }>();
  let true_total = 0;
  let measured_total = 0;
  let excluded_total = 0;
  let agreed_total = 0;

  for (const d of index.portfolio.devices) {
    const start = input.first_connect.get(d.id);
    const key = `${d.site_id}\u0000${d.building_id}`;
    const b = by_building.get(key) ?? { site: d.site_id, building: d.building_id, devices: 0, truth: 0, measured: 0, agreed: 0 };
    by_building.set(key, b);
    b.devices++;
    const m = measured.get(d.id) ?? 0;
    b.measured += m;
    measured_total += m;
    if (start === undefined || start >= to_ms) continue; // never reached the platform: no ledger
    let agreed = service.get(d.site_id);
    if (agreed === undefined) service.set(d.site_id, (agreed = serviceTime(contract, input.timezone_of(d.site_id), from_ms, to_ms, d.site_id)));
    const l_from = Math.max(from_ms, start);
    const agreed_ms = totalMs(clip(agreed, l_from, to_ms));
    b.agreed += agreed_ms;
    agreed_total += agreed_ms;
    const own = normalize([...closed(input.down.get(d.id), to_ms), ...(garbled.get(d.id) ?? [])]);
    const gateway = d.gateway_id === null ? [] : normalize(closed(input.down.get(d.gateway_id), to_ms));
    const path = union(gateway, broker);
    // Behind a dead gateway the platform can only say UNREACHABLE: "unknown" contracts excuse it.
    const down = withoutShortOutages(clip(counts_unreachable ? union(own, path) : subtract(union(own, broker), gateway), l_from, to_ms), contract);
    const x = clip(normalize(excl.get(d.id) ?? []), l_from, to_ms);
    const down_agreed = intersect(down, clip(agreed, l_from, to_ms));
    const counted = totalMs(subtract(down_agreed, x));
    excluded_total += totalMs(intersect(down_agreed, x));
    b.truth += counted;
    true_total += counted;

    // Detection delay over every true episode of the device's reachability (contract aside).
    const marks = input.marked_down.get(d.id) ?? [];
    const stats = episodes_by_kind.get(d.kind) ?? { episodes: 0, delays: [] };
    episodes_by_kind.set(d.kind, stats);
    for (const [s, e] of clip(union(own, path), l_from, to_ms)) {
      stats.episodes++;
      const hit = marks.find((t) => t >= s && t <= e);
      if (hit !== undefined) stats.delays.push(hit - s);
    }
  }

  const buildings: BuildingTruth[] = [...by_building.values()]
    .sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : a.building < b.building ? -1 : a.building > b.building ? 1 : 0))
    .map((b) => ({ site: b.site, building: b.building, devices: b.devices, true_downtime_device_min: r3(b.truth / MS_PER_MINUTE), measured_downtime_device_min: r3(b.measured / MS_PER_MINUTE), error_pct: errorPct(b.measured, b.truth, b.agreed) }));
  const detection_delay: DelayStats[] = [...episodes_by_kind.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([kind, s]) => {
      const sorted = [...s.delays].sort((a, b) => a - b);
      const any = sorted.length > 0;
      return { kind, episodes: s.episodes, detected: sorted.length, undetected: s.episodes - sorted.length, p50_ms: any ? nearestRank(sorted, 0.5) : null, p95_ms: any ? nearestRank(sorted, 0.95) : null, max_ms: any ? sorted[sorted.length - 1]! : null };
    });
  return {
    true_downtime_device_min: r3(true_total / MS_PER_MINUTE),
    measured_downtime_device_min: r3(measured_total / MS_PER_MINUTE),
    error_pct: errorPct(measured_total, true_total, agreed_total),
    true_downtime_ms: true_total,
    measured_downtime_ms: measured_total,
    excluded_true_ms: excluded_total,
    unreachable_counts_as: counts_unreachable ? 'down' : 'unknown',
    buildings,
    detection_delay,
  };
}
