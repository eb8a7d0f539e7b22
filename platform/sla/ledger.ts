/**
 * The SLA ledger: what the MSP signs its monthly report with. It listens to liveness changes,
 * incidents and firmware versions, and computes a period report in which every number can be
 * traced back to ledger entries (down intervals, exclusions) and to the contract. Formulas are
 * stated next to the code and in docs/sla.md; the two must stay in step.
 *
 * Pure: no clock, no timers, no randomness. Time only enters through the events' own stamps and
 * the period asked for, so the same events give the same report, byte for byte.
 */
import type { DeviceInfo, Incident, Journal, LivenessChange } from '../core/model.ts';
import type { SlaContract, MaintenanceWindow } from './contract.ts';
import { PRIORITIES, validateContract, withoutShortOutages } from './contract.ts';
import type { Interval, IntervalSet } from './intervals.ts';
import { clip, intersect, normalize, serviceHours, serviceTime, subtract, totalMs, union } from './intervals.ts';

import { copyData, sortedEntries } from '../core/state-codec.ts';
import type { DownEntry, ExclusionEntry, RuleEpisode, BuildingSla, AggregateSla, SiteSla, PrioritySla, IncidentRow, IncidentsSla, BurnWindow, BurnRate, BurnAlert, ErrorBudget, SlaReport } from './report.ts';
import { availabilityOf, stats, compliance, verdictOf, asOf, BURN_WINDOWS, BURN_RULES, sortedTiers, creditsOf, byPriority, sumDevices, aggregate, buildingDown, patchSection, healthOf, type DeviceWork } from './report-math.ts';

// The report's shape lives in report.ts; re-exported so `import type { SlaReport } from './ledger.ts'` keeps working.
export type * from './report.ts';
export { HEALTH_FORMULA } from './report.ts';



// ---------------------------------------------------------------------------------------------

/** The ledger as saved in a snapshot (see `SlaLedger.saveState`). */
export interface SlaLedgerState {
  devices: Array<[string, DeviceTrack]>;
  incidents: Incident[];
}

interface DeviceTrack {
  info: DeviceInfo;
  /** First birth (the ledger starts here); null until then, and nothing before it counts. */
  start_ms: number | null;
  /** Closed raw down intervals (OFFLINE, or UNKNOWN after the start), in time order. */
  down: Array<[number, number]>;
  /** Closed raw UNREACHABLE intervals (cut off behind a dead gateway), in time order. */
  unreach: Array<[number, number]>;
  /** The class of the current state and since when (open interval). */
  cur: 'up' | 'down' | 'unreach';
  cur_since_ms: number;
  last_ms: number;
  /**
   * Down since the device said it was rebooting (an OTA install): the platform knows the moment
   * it went away, so the ledger counts from there, not from a deadline, until the next session's
   * birth. Absent in snapshots from before this field.
   */
  rebooting?: boolean;
  /**
   * When the device turned SUSPECT (its first missed heartbeat), while it still is: an outage its
   * offline deadline confirms is dated from here. Absent in snapshots from before this field.
   */
  suspect_since_ms?: number;
  /** Firmware history from births, in time order, only changes kept. */
  fw: Array<{ at_ms: number; fw: string }>;
}

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class SlaLedger {
  private readonly journal: Journal;
  private readonly contract: SlaContract;
  private readonly timezone_of: (site_id: string) => string;
  private readonly devices = new Map<string, DeviceTrack>();
  private readonly incidents = new Map<string, Incident>();
  private readonly critical_kinds: ReadonlySet<string>;
  private readonly critical_devices: ReadonlySet<string>;

  constructor(deps: { journal: Journal; contract: SlaContract; timezone_of: (site_id: string) => string }) {
    validateContract(deps.contract);
    this.journal = deps.journal;
    // Own copy: a caller mutating its contract object later must not rewrite past reports.
    this.contract = structuredClone(deps.contract);
    this.timezone_of = deps.timezone_of;
    this.critical_kinds = new Set(this.contract.critical_kinds ?? []);
    this.critical_devices = new Set(this.contract.critical_devices ?? []);
  }

  /**
   * Down = OFFLINE. UNREACHABLE is kept apart and counts as the contract says (down by default).
   * SUSPECT and ONLINE are up (a late heartbeat is not an outage yet). The ledger
   * of a device starts at its first birth (or, if the birth itself was missed, the first time it
   * is seen ONLINE); anything before that, UNKNOWN included, is not counted at all. UNKNOWN after
   * the start counts as down: the MSP cannot show the device was serving.
   * Changes are expected in time order per device; a stamp earlier than the previous one is
   * treated as happening at the previous one, so intervals never run backwards.
   */
  onLiveness(change: LivenessChange, info: DeviceInfo): void {
    let track = this.devices.get(change.device_id);
    if (track === undefined) {
      track = newTrack(info, change.at_ms);
      this.devices.set(change.device_id, track);
    }
    track.info = info;
    if (track.start_ms === null) {
      if (change.reason !== 'birth' && change.to !== 'ONLINE') return;
      track.start_ms = change.at_ms;
      track.last_ms = change.at_ms;
      track.cur = 'up';
      track.cur_since_ms = change.at_ms;
    }
    const at_ms = Math.max(change.at_ms, track.last_ms);
    track.last_ms = at_ms;
    const cls = change.to === 'OFFLINE' || change.to === 'UNKNOWN' ? 'down' : change.to === 'UNREACHABLE' ? 'unreach' : 'up';
    if (change.to === 'SUSPECT') track.suspect_since_ms ??= at_ms;
    else if (change.to !== 'OFFLINE') delete track.suspect_since_ms;
    if (cls === track.cur) return;
    // A late heartbeat of a device that said it was rebooting is no sign of life: still down.
    if (track.rebooting === true && change.to === 'SUSPECT') return;
    // An outage found by the offline deadline began by the first missed heartbeat at the latest
    // (SUSPECT, 1.5 heartbeats after the device was last heard; a live device would have sent
    // one by then), so it is dated from there, not from the deadline 3 heartbeats after: still
    // never before the device truly went silent, and 1.5 heartbeats closer to the truth.
    const suspect = track.suspect_since_ms;
    delete track.suspect_since_ms;
    const from = change.to === 'OFFLINE' && change.reason === 'offline_deadline' && suspect !== undefined ? Math.max(suspect, track.cur_since_ms) : at_ms;
    this.#enter(track, cls, from);
  }

  /**
   * The device said it is rebooting (a planned restart): down from now, whatever its liveness
   * says (a reboot of seconds never reaches a deadline), until its next session's birth (`onBack`)
   * or a liveness change that ends the reboot's silence another way (cut off, or back ONLINE).
   */
  onRebooting(device_id: string, at_ms: number): void {
    const track = this.devices.get(device_id);
    if (track === undefined || track.start_ms === null || track.cur !== 'up') return;
    const at = Math.max(at_ms, track.last_ms);
    track.last_ms = at;
    this.#enter(track, 'down', at);
    track.rebooting = true;
  }

  /** A new session's birth: a device that was rebooting is back. */
  onBack(device_id: string, at_ms: number): void {
    const track = this.devices.get(device_id);
    if (track === undefined || track.rebooting !== true) return;
    const at = Math.max(at_ms, track.last_ms);
    track.last_ms = at;
    if (track.cur === 'down') this.#enter(track, 'up', at);
    delete track.rebooting;
  }

  #enter(track: DeviceTrack, cls: DeviceTrack['cur'], at_ms: number): void {
    if (track.cur !== 'up' && at_ms > track.cur_since_ms) {
      const interval: [number, number] = [track.cur_since_ms, at_ms];
      if (track.cur === 'down') track.down = appended(track.down, interval);
      else track.unreach = appended(track.unreach, interval);
    }
    track.cur = cls;
    track.cur_since_ms = at_ms;
    if (cls !== 'down') delete track.rebooting;
  }

  /** Keeps the latest version of each incident (the last one received wins). */
  onIncident(incident: Incident): void {
    this.incidents.set(incident.id, incident);
  }

  /** The firmware a device announced in a birth; the report uses the latest one before period end. */
  onFirmware(device_id: string, fw: string, at_ms: number): void {
    let track = this.devices.get(device_id);
    if (track === undefined) {
      // Firmware may be learnt before the liveness change of the same birth; keep it until then.
      track = newTrack(placeholderInfo(device_id, fw), at_ms);
      this.devices.set(device_id, track);
    }
    const last = track.fw[track.fw.length - 1];
    if (last !== undefined && last.fw === fw) return;
    const entry = { at_ms: last !== undefined ? Math.max(last.at_ms, at_ms) : at_ms, fw };
    // Most devices only ever have their first entry: `[entry]` holds one slot, where a push onto
    // [] reserves seventeen (~130 B a device; docs/performance.md, "Memory per device").
    if (last === undefined) track.fw = [entry];
    else track.fw.push(entry);
  }

  /** Every device's track and each incident's latest version, sorted by id (platform/store snapshots). */
  saveState(): SlaLedgerState {
    return copyData({ devices: sortedEntries(this.devices), incidents: sortedEntries(this.incidents).map(([, i]) => i) });
  }

  /** Replaces this (fresh) ledger's state with a saved one. */
  loadState(state: SlaLedgerState): void {
    const s = copyData(state);
    this.devices.clear();
    for (const [id, t] of s.devices) {
      // Empty interval lists as held while running: the shared one, until the first interval.
      const down = t.down.length > 0 ? t.down : NO_INTERVALS;
      const unreach = t.unreach.length > 0 ? t.unreach : NO_INTERVALS;
      this.devices.set(id, { ...t, info: Object.freeze(t.info), down, unreach });
    }
    this.incidents.clear();
    for (const i of s.incidents) this.incidents.set(i.id, i);
  }

  report(from_ms: number, to_ms: number): SlaReport {
    // An empty period (from = to, e.g. a report asked for before any time has passed) is valid
    // and reports nothing agreed, so availability 1.
    if (!Number.isInteger(from_ms) || !Number.isInteger(to_ms) || to_ms < from_ms) {
      throw new RangeError(`SLA period [${from_ms}, ${to_ms}) must be integer ms with from ≤ to`);
    }
    const c = this.contract;
    const site_cache = new Map<string, { timezone: string; service: IntervalSet; hours: IntervalSet }>();
    const siteTime = (site: string): { timezone: string; service: IntervalSet; hours: IntervalSet } => {
      let s = site_cache.get(site);
      if (s === undefined) {
        const timezone = this.timezone_of(site);
        s = { timezone, service: serviceTime(c, timezone, from_ms, to_ms, site), hours: serviceHours(c, timezone, from_ms, to_ms) };
        site_cache.set(site, s);
      }
      return s;
    };

    // Exclusions: client-caused incidents, [opened, resolved) on the devices they cover; one still
    // open at period end is excluded up to the period end.
    const excluded_causes = new Set(c.exclude_causes);
    const exclusions = new Map<string, Array<{ incident: Incident; interval: Interval }>>();
    const incidents = [...this.incidents.values()].sort((a, b) => cmpStr(a.id, b.id));
    for (const inc of incidents) {
      if (!excluded_causes.has(inc.cause)) continue;
      const end_ms = asOf(inc.resolved_ms, to_ms) ?? to_ms;
      for (const d of [...new Set(inc.device_ids)].sort(cmpStr)) {
        let list = exclusions.get(d);
        if (list === undefined) exclusions.set(d, (list = []));
        list.push({ incident: inc, interval: [inc.opened_ms, end_ms] });
      }
    }

    // ---- devices ----
    const counts_unreachable = (c.unreachable_counts_as ?? 'down') === 'down';
    const work: DeviceWork[] = [];
    const ids = [...this.devices.keys()].sort(cmpStr);
    for (const id of ids) {
      const t = this.devices.get(id)!;
      if (t.start_ms === null || t.start_ms >= to_ms) continue;
      const info = t.info;
      const site = siteTime(info.site);
      const l_from = Math.max(from_ms, t.start_ms);
      const open: Interval = [t.cur_since_ms, Math.max(to_ms, t.cur_since_ms)];
      const unreach = clip(normalize(t.cur === 'unreach' ? [...t.unreach, open] : [...t.unreach]), l_from, to_ms);
      const raw: Interval[] = [...t.down];
      if (t.cur === 'down') raw.push(open);
      // Unreachable time is down time unless the contract says "unknown is not down".
      // Periods shorter than the contract's min_outage do not count (a second's watchdog reset).
      const down = withoutShortOutages(counts_unreachable ? union(clip(normalize(raw), l_from, to_ms), unreach) : clip(normalize(raw), l_from, to_ms), c);
      const agreed = clip(site.service, l_from, to_ms);
      const device_excl = exclusions.get(id) ?? [];
      const excl = clip(normalize(device_excl.map((e) => e.interval)), l_from, to_ms);
      const down_agreed = intersect(down, agreed);
      const counted = subtract(down_agreed, excl);
      const agreed_ms = totalMs(agreed);
      const downtime_ms = totalMs(counted);
      const down_entries: DownEntry[] = down.map(([s, e]) => ({ from_ms: s, to_ms: e, counted_ms: totalMs(clip(counted, s, e)) }));
      let outage_count = 0;
      let longest_outage_ms = 0;
      for (const e of down_entries) {
        if (e.counted_ms <= 0) continue;
        outage_count++;
        longest_outage_ms = Math.max(longest_outage_ms, e.counted_ms);
      }
      const excl_entries: ExclusionEntry[] = [];
      for (const e of device_excl) {
        const s = Math.max(e.interval[0], l_from);
        const en = Math.min(e.interval[1], to_ms);
        if (en <= s) continue;
        excl_entries.push({ incident_id: e.incident.id, cause: e.incident.cause, from_ms: s, to_ms: en, excused_ms: totalMs(clip(down_agreed, s, en)) });
      }
      excl_entries.sort((a, b) => a.from_ms - b.from_ms || cmpStr(a.incident_id, b.incident_id));
      const fw = fwAt(t, to_ms);
      const approved = Object.hasOwn(c.approved_firmware, info.model) ? (c.approved_firmware[info.model] ?? null) : null;
      work.push({
        agreed,
        counted,
        effective_down: subtract(down, excl),
        sla: {
          id,
          site: info.site,
          building: info.building,
          kind: info.kind,
          model: info.model,
          fw,
          critical: this.critical_devices.has(id) || this.critical_kinds.has(info.kind),
          ledger_from_ms: l_from,
          maintenance_ms: totalMs(clip(site.hours, l_from, to_ms)) - agreed_ms,
          agreed_ms,
          downtime_ms,
          excluded_ms: totalMs(intersect(down_agreed, excl)),
          unreachable_ms: totalMs(intersect(unreach, agreed)),
          availability: availabilityOf(agreed_ms, downtime_ms),
          outage_count,
          longest_outage_ms,
          approved_fw: approved,
          compliant: approved === null || fw === approved,
          entries: { down: down_entries, exclusions: excl_entries },
        },
      });
    }

    // ---- buildings (rule-based and device-weighted) ----
    const by_building = new Map<string, DeviceWork[]>();
    for (const w of work) {
      const key = `${w.sla.site}\u0000${w.sla.building}`;
      let list = by_building.get(key);
      if (list === undefined) by_building.set(key, (list = []));
      list.push(w);
    }
    const building_keys = [...by_building.keys()].sort(cmpStr);
    const buildings: BuildingSla[] = [];
    for (const key of building_keys) {
      const list = by_building.get(key)!;
      const first = list[0]!.sla;
      const rule_raw = buildingDown(list, c.building_down_fraction);
      let agreed_b: IntervalSet = [];
      for (const w of list) agreed_b = union(agreed_b, w.agreed);
      const episodes: RuleEpisode[] = rule_raw.map(([s, e]) => ({ from_ms: s, to_ms: e, counted_ms: totalMs(clip(agreed_b, s, e)) }));
      const rule_agreed_ms = totalMs(agreed_b);
      const rule_down_ms = totalMs(intersect(rule_raw, agreed_b));
      let rule_count = 0;
      let rule_longest = 0;
      for (const e of episodes) {
        if (e.counted_ms <= 0) continue;
        rule_count++;
        rule_longest = Math.max(rule_longest, e.counted_ms);
      }
      const sums = sumDevices(list.map((w) => w.sla));
      buildings.push({
        site: first.site,
        id: first.building,
        devices: list.length,
        critical_devices: list.filter((w) => w.sla.critical).map((w) => w.sla.id),
        agreed_ms: sums.agreed_ms,
        downtime_ms: sums.downtime_ms,
        excluded_ms: sums.excluded_ms,
        availability: availabilityOf(sums.agreed_ms, sums.downtime_ms),
        device_outage_count: sums.outage_count,
        longest_device_outage_ms: sums.longest_outage_ms,
        rule: { agreed_ms: rule_agreed_ms, down_ms: rule_down_ms, availability: availabilityOf(rule_agreed_ms, rule_down_ms), outage_count: rule_count, longest_outage_ms: rule_longest, episodes },
      });
    }

    // ---- sites and portfolio ----
    const site_ids = [...new Set(buildings.map((b) => b.site))].sort(cmpStr);
    const sites: SiteSla[] = site_ids.map((sid) => {
      const agg = aggregate(
        buildings.filter((b) => b.site === sid),
        work.filter((w) => w.sla.site === sid).map((w) => w.sla),
      );
      return { id: sid, timezone: siteTime(sid).timezone, ...agg };
    });
    const all_devices = work.map((w) => w.sla);
    const portfolio = aggregate(buildings, all_devices);

    const incidents_sla = this.incidentSection(incidents, from_ms, to_ms, excluded_causes);
    const patch = patchSection(all_devices);
    const error_budget = this.errorBudget(work, portfolio, from_ms, to_ms);
    const health = healthOf(error_budget, incidents_sla, patch);
    const credits = creditsOf(portfolio.availability, c, all_devices);

    const report: SlaReport = {
      period: { from_ms, to_ms, duration_ms: to_ms - from_ms },
      contract: {
        availability_target: c.availability_target,
        service_hours: c.service_hours.kind === '24x7' ? { kind: '24x7' } : { kind: 'business', days: [...c.service_hours.days].sort((a, b) => a - b), start_min: c.service_hours.start_min, end_min: c.service_hours.end_min },
        maintenance_windows: c.maintenance_windows.map((w) => {
          const out: MaintenanceWindow = { days: [...w.days].sort((a, b) => a - b), start_min: w.start_min, duration_ms: w.duration_ms };
          if (w.sites !== undefined) out.sites = [...w.sites].sort(cmpStr);
          return out;
        }),
        exclude_causes: [...c.exclude_causes].sort(cmpStr),
        building_down_fraction: c.building_down_fraction,
        critical_kinds: [...this.critical_kinds].sort(cmpStr),
        critical_devices: [...this.critical_devices].sort(cmpStr),
        response_targets_ms: byPriority(c.response_targets_ms),
        resolution_targets_ms: byPriority(c.resolution_targets_ms),
        approved_firmware: Object.fromEntries(Object.entries(c.approved_firmware).sort((a, b) => cmpStr(a[0], b[0]))),
        unreachable_counts_as: c.unreachable_counts_as ?? 'down',
        credits: sortedTiers(c.credits ?? []),
        monthly_fee: c.monthly_fee === undefined ? null : { amount: c.monthly_fee.amount, currency: c.monthly_fee.currency },
        clients: [...(c.clients ?? [])].sort((a, b) => cmpStr(a.id, b.id)).map((cl) => structuredClone(cl)),
      },
      portfolio,
      sites,
      buildings,
      devices: all_devices,
      incidents: incidents_sla,
      patch,
      error_budget,
      credits,
      health,
    };
    this.journal(to_ms, 'p.sla', { from: from_ms, to: to_ms, availability: portfolio.availability, devices: portfolio.devices });
    return report;
  }

  private incidentSection(all: readonly Incident[], from_ms: number, to_ms: number, excluded_causes: ReadonlySet<string>): IncidentsSla {
    // The period's incidents are those opened in [from, to); their acks and resolutions count
    // as of the period end, so a report for a closed period never changes afterwards.
    const rows: IncidentRow[] = all
      .filter((i) => i.opened_ms >= from_ms && i.opened_ms < to_ms)
      .sort((a, b) => a.opened_ms - b.opened_ms || cmpStr(a.id, b.id))
      .map((i) => {
        const acked = asOf(i.acked_ms, to_ms);
        const resolved = asOf(i.resolved_ms, to_ms);
        // Resolving an incident is also responding to it (an auto-resolved flap was not ignored).
        const responded = acked ?? resolved;
        return {
          id: i.id,
          priority: i.priority,
          cause: i.cause,
          scope: `${i.scope.kind}:${i.scope.id}`,
          site: i.site,
          building: i.building,
          devices: new Set(i.device_ids).size,
          excluded: excluded_causes.has(i.cause),
          status_at_end: resolved !== null ? 'resolved' : acked !== null ? 'acknowledged' : 'open',
          opened_ms: i.opened_ms,
          acked_ms: acked,
          resolved_ms: resolved,
          response_due_ms: i.response_due_ms,
          resolution_due_ms: i.resolution_due_ms,
          tta_ms: acked !== null ? acked - i.opened_ms : null,
          ttr_ms: resolved !== null ? resolved - i.opened_ms : null,
          response: verdictOf(responded, i.response_due_ms, to_ms),
          resolution: verdictOf(resolved, i.resolution_due_ms, to_ms),
        };
      });
    const by_priority: PrioritySla[] = PRIORITIES.map((p) => {
      const mine = rows.filter((r) => r.priority === p);
      return {
        priority: p,
        response_target_ms: this.contract.response_targets_ms[p],
        resolution_target_ms: this.contract.resolution_targets_ms[p],
        count: mine.length,
        open_at_end: mine.filter((r) => r.status_at_end !== 'resolved').length,
        mtta: stats(mine.flatMap((r) => (r.tta_ms !== null ? [r.tta_ms] : []))),
        mttr: stats(mine.flatMap((r) => (r.ttr_ms !== null ? [r.ttr_ms] : []))),
        response: compliance(mine.map((r) => r.response)),
        resolution: compliance(mine.map((r) => r.resolution)),
      };
    });
    return {
      count: rows.length,
      open_at_end: rows.filter((r) => r.status_at_end !== 'resolved').length,
      response: compliance(rows.map((r) => r.response)),
      resolution: compliance(rows.map((r) => r.resolution)),
      by_priority,
      list: rows,
    };
  }

  private errorBudget(work: readonly DeviceWork[], portfolio: AggregateSla, from_ms: number, to_ms: number): ErrorBudget {
    const target = this.contract.availability_target;
    const allowed = 1 - target;
    const budget_ms = Math.round(allowed * portfolio.agreed_ms);
    const burn: BurnRate[] = BURN_WINDOWS.map(({ window, window_ms }) => {
      // Windows end at the period end; a period shorter than the window uses what it has.
      const w_from = Math.max(from_ms, to_ms - window_ms);
      let agreed_ms = 0;
      let down_ms = 0;
      for (const w of work) {
        agreed_ms += totalMs(clip(w.agreed, w_from, to_ms));
        down_ms += totalMs(clip(w.counted, w_from, to_ms));
      }
      return { window, window_ms, agreed_ms, down_ms, burn_rate: agreed_ms > 0 ? down_ms / agreed_ms / allowed : 0 };
    });
    const rate = (w: BurnWindow): number => burn.find((b) => b.window === w)?.burn_rate ?? 0;
    const alerts: BurnAlert[] = BURN_RULES.map((r) => ({ rule: r.rule, long: r.long, short: r.short, threshold: r.threshold, firing: rate(r.long) > r.threshold && rate(r.short) > r.threshold }));
    const firing = (severity: 'page' | 'ticket'): boolean => BURN_RULES.some((r, i) => r.severity === severity && alerts[i]!.firing);
    return {
      target,
      agreed_ms: portfolio.agreed_ms,
      downtime_ms: portfolio.downtime_ms,
      budget_ms,
      remaining_ms: budget_ms - portfolio.downtime_ms,
      // With no agreed time there is no budget and nothing was spent: fully remaining.
      remaining_fraction: budget_ms > 0 ? 1 - portfolio.downtime_ms / budget_ms : portfolio.downtime_ms > 0 ? 0 : 1,
      burn,
      alerts,
      verdict: firing('page') ? 'page' : firing('ticket') ? 'ticket' : 'none',
    };
  }
}

/**
 * The interval lists of a device that has had no such interval: one shared, frozen empty list
 * (most devices never go down; two empty arrays each were 64 B a device, docs/performance.md).
 * `#enter` gives a device its own list with its first interval; frozen, a push onto it would throw.
 */
const NO_INTERVALS = Object.freeze([]) as readonly [number, number][] as Array<[number, number]>;

/** The list with the interval added: the track's own list, made on its first interval. */
function appended(list: Array<[number, number]>, interval: [number, number]): Array<[number, number]> {
  if (list === NO_INTERVALS) return [interval];
  list.push(interval);
  return list;
}

function newTrack(info: DeviceInfo, at_ms: number): DeviceTrack {
  return { info, start_ms: null, down: NO_INTERVALS, unreach: NO_INTERVALS, cur: 'up', cur_since_ms: at_ms, last_ms: at_ms, fw: [] };
}

/** Highest threshold first, as a contract lists them. */
function placeholderInfo(id: string, fw: string): DeviceInfo {
  return { id, kind: 'occupancy', model: '', fw, serial: '', site: '', building: '', floor: '', zone: null, gateway: null, power: 'mains', heartbeat_ms: 1, caps: [] };
}

/** Firmware at period end: the latest announced before to_ms, else the first known, else the birth info's. */
function fwAt(t: DeviceTrack, to_ms: number): string {
  let fw: string | null = null;
  for (const e of t.fw) if (e.at_ms < to_ms) fw = e.fw;
  return fw ?? t.fw[0]?.fw ?? t.info.fw;
}
