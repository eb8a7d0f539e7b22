import type { FaultScope } from '../../sim/faults/catalog.ts';
import type { ScopeIndex } from '../../sim/faults/scope.ts';
import { nearestRank } from './stats.ts';

/**
 * Reconnect storms: after power, an uplink or the broker comes back, every device behind it tries
 * to connect at once. Each attempt is a `connect` fact in the trace; this turns the attempts after
 * a restore into a histogram, so a report shows whether the jittered backoff spread the storm out
 * (and how long until everyone was back).
 */
export interface ConnectAttempt {
  readonly t: number;
  readonly d: string;
  readonly ok: boolean;
}

/** What the storm reports read the attempts through: an array of them, or a ConnectLog. */
export interface ConnectSeq {
  readonly length: number;
  at(index: number): ConnectAttempt | undefined;
}

export interface StormBucket {
  /** Offset of the bucket from the restore. */
  readonly from_ms: number;
  readonly attempts: number;
  readonly ok: number;
}

export interface StormReport {
  /** The fault (or `broker@<ISO time>` for a --broker-outage) whose end started the storm. */
  readonly id: string;
  readonly fault: string;
  readonly restored_ms: number;
  /** Affected devices that tried to connect after the restore. */
  readonly devices: number;
  readonly attempts: number;
  readonly failed: number;
  readonly reconnected: number;
  readonly unreconnected: number;
  readonly reconnect_p50_ms: number | null;
  readonly reconnect_p95_ms: number | null;
  /** Until the last device was back; null when some never came back within the window. */
  readonly reconnect_all_ms: number | null;
  readonly bucket_ms: number;
  readonly histogram: readonly StormBucket[];
  /** The busiest bucket's share of all attempts (1 = everything at once). */
  readonly peak_share: number;
}

/** Classes whose end brings a fleet back at once. */
const STORM_CLASSES = new Set(['floor_power', 'building_power', 'site_uplink', 'building_uplink']);
export const STORM_WINDOW_MS = 30 * 60_000;
export const STORM_BUCKET_MS = 10_000;

interface Source {
  readonly id: string;
  readonly fault: string;
  readonly scope: FaultScope;
  readonly on: string;
  readonly start_ms: number;
  readonly end_ms: number | null;
}

function firstAtOrAfter(list: ConnectSeq, t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list.at(mid)!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function storm(id: string, fault: string, restored_ms: number, devices: ReadonlySet<string> | null, connects: ConnectSeq, end_ms: number): StormReport {
  const until = Math.min(end_ms, restored_ms + STORM_WINDOW_MS);
  const buckets = new Map<number, { attempts: number; ok: number }>();
  const tried = new Set<string>();
  const back = new Map<string, number>();
  let attempts = 0;
  let failed = 0;
  for (let i = firstAtOrAfter(connects, restored_ms); i < connects.length; i++) {
    const c = connects.at(i)!;
    if (c.t >= until) break;
    if (devices !== null && !devices.has(c.d)) continue;
    attempts++;
    if (!c.ok) failed++;
    tried.add(c.d);
    if (c.ok && !back.has(c.d)) back.set(c.d, c.t - restored_ms);
    const b = Math.floor((c.t - restored_ms) / STORM_BUCKET_MS);
    const cell = buckets.get(b) ?? { attempts: 0, ok: 0 };
    cell.attempts++;
    if (c.ok) cell.ok++;
    buckets.set(b, cell);
  }
  const last = Math.max(-1, ...buckets.keys());
  const histogram: StormBucket[] = [];
  for (let b = 0; b <= last; b++) {
    const cell = buckets.get(b);
    histogram.push({ from_ms: b * STORM_BUCKET_MS, attempts: cell?.attempts ?? 0, ok: cell?.ok ?? 0 });
  }
  const times = [...back.values()].sort((a, b) => a - b);
  const unreconnected = tried.size - back.size;
  const peak = histogram.reduce((m, b) => Math.max(m, b.attempts), 0);
  return {
    id,
    fault,
    restored_ms,
    devices: tried.size,
    attempts,
    failed,
    reconnected: back.size,
    unreconnected,
    reconnect_p50_ms: times.length ? nearestRank(times, 0.5) : null,
    reconnect_p95_ms: times.length ? nearestRank(times, 0.95) : null,
    reconnect_all_ms: unreconnected === 0 && times.length > 0 ? times[times.length - 1]! : null,
    bucket_ms: STORM_BUCKET_MS,
    histogram,
    peak_share: attempts === 0 ? 0 : peak / attempts,
  };
}

export function stormReports(input: {
  readonly faults: readonly Source[];
  readonly broker: ReadonlyArray<{ from: number; to: number | null }>;
  readonly connects: ConnectSeq;
  readonly index: ScopeIndex;
  readonly end_ms: number;
}): StormReport[] {
  const out: StormReport[] = [];
  for (const f of input.faults) {
    if (!STORM_CLASSES.has(f.fault) || f.end_ms === null) continue;
    out.push(storm(f.id, f.fault, f.end_ms, new Set(input.index.affected(f.fault, f.scope, f.on)), input.connects, input.end_ms));
  }
  for (const w of input.broker) {
    if (w.to === null) continue;
    // A timeline broker outage names itself; one from --broker-outage is named by its time.
    const named = input.faults.find((f) => f.fault === 'broker' && f.end_ms === w.to);
    out.push(storm(named?.id ?? `broker@${new Date(w.to).toISOString()}`, 'broker', w.to, null, input.connects, input.end_ms));
  }
  return out.sort((a, b) => a.restored_ms - b.restored_ms || (a.id < b.id ? -1 : 1));
}
