/** The device drawer: what an engineer asks first about one device. */
import { BIT, DEVICE_STATES, KIND_LABEL, LIVENESS, STATUSES, STATUS_LABEL } from '../model/codes.ts';
import type { AlertRec, FleetState } from '../model/fleet-state.ts';
import type { DeviceInfo } from '../model/registry.ts';
import { STATUS_CSS } from '../render/palette.ts';
import { dayTime, duration, esc, humanize } from './format.ts';

export interface DeviceDetails {
  readonly d: number;
  readonly id: string;
  readonly info: DeviceInfo | undefined;
  readonly t: number;
  readonly status: string;
  readonly liveness: string;
  readonly device_state: string;
  readonly fw: string;
  readonly session: number;
  readonly battery_pct: number | null;
  readonly rssi_dbm: number | null;
  readonly telemetry_t: number | null;
  readonly ota: Record<string, unknown> | null;
  readonly event: Record<string, unknown> | null;
  readonly event_t: number | null;
  readonly alerts: readonly AlertRec[];
  /** Leak sensors: water now, as the fold has it (a leak event is newer than the last telemetry). */
  readonly leak: boolean | null;
  /** When the outage that hides the device began (open incident covering it), if it is unreachable. */
  readonly unreachable_since: number | null;
  /** Last time the device itself was heard. */
  readonly heard_t: number | null;
}

/** Everything the fold knows about device d right now (the telemetry values come separately). */
export function collectDetails(state: FleetState, d: number, ota: Record<string, unknown> | null, event: Record<string, unknown> | null): DeviceDetails {
  const c = state.c;
  const num = (x: number): number | null => (Number.isNaN(x) ? null : x);
  return {
    d,
    id: state.registry.ids[d]!,
    info: state.registry.info[d],
    t: state.t,
    status: STATUSES[c.status[d]!]!,
    liveness: LIVENESS[c.lv[d]!]!,
    device_state: DEVICE_STATES[c.ds[d]!]!,
    fw: state.registry.strings[c.fw[d]!] || '—',
    session: c.session[d]!,
    battery_pct: num(c.bat[d]!),
    rssi_dbm: num(c.rssi[d]!),
    telemetry_t: num(c.tel_t[d]!),
    ota,
    event,
    event_t: num(c.event_t[d]!),
    alerts: [...state.alerts.values()].filter((a) => a.d === d && a.s !== 'resolved').sort((a, b) => a.started_t - b.started_t),
    leak: state.registry.info[d]?.kind === 'leak' ? (c.bits[d]! & BIT.leak) !== 0 : null,
    unreachable_since: state.unreachable(d) ? num(c.reach_since[d]!) : null,
    heard_t: num(c.heard_t[d]!),
  };
}

function meter(fraction: number, colour: string): string {
  return `<span class="meter"><i style="width:${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%;background:${colour}"></i></span>`;
}

function value(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return esc(String(v));
}

export function renderDetails(el: HTMLElement, x: DeviceDetails, values: Record<string, unknown> | null | 'loading', tz: string, location: string | null): void {
  const info = x.info;
  const status = x.status as (typeof STATUSES)[number];
  const colour = STATUS_CSS[status];
  const rows: Array<[string, string]> = [];
  rows.push(['Model', info ? `${esc(info.model)}` : '—']);
  rows.push(['Firmware', `<span style="font-family:var(--mono)">${esc(x.fw)}</span>`]);
  if (info?.serial) rows.push(['Serial', `<span style="font-family:var(--mono)">${esc(info.serial)}</span>`]);
  if (location !== null) rows.push(['Location', esc(location)]);
  else if (info) rows.push(['Location', `${esc(info.site)} › ${esc(info.building)} › ${esc(info.floor)}${info.zone ? ` › ${esc(info.zone)}` : ''}`]);
  if (info?.gateway) rows.push(['Gateway', `<span style="font-family:var(--mono)">${esc(info.gateway)}</span>`]);
  rows.push(['Liveness', `${esc(humanize(x.liveness.toLowerCase()))} <span style="color:var(--muted)">(platform)</span>`]);
  rows.push(['Device says', `${esc(x.device_state === 'none' ? '—' : x.device_state)} · session ${x.session}`]);
  if (x.battery_pct !== null) rows.push(['Battery', `${meter(x.battery_pct / 100, x.battery_pct < 15 ? '#ef4444' : x.battery_pct < 30 ? '#facc15' : '#22c55e')}${x.battery_pct.toFixed(1)} %`]);
  else if (info) rows.push(['Power', esc(info.power || '—')]);
  if (x.rssi_dbm !== null) rows.push(['RSSI', `${meter((x.rssi_dbm + 110) / 60, x.rssi_dbm < -90 ? '#ef4444' : x.rssi_dbm < -80 ? '#facc15' : '#22c55e')}${x.rssi_dbm} dBm`]);
  if (status === 'unreachable') {
    const age = x.heard_t === null ? 'nothing heard yet' : `last heard ${duration(x.t - x.heard_t)} ago — values below are that old`;
    rows.push(['Unreachable', `${x.unreachable_since !== null ? `since ${dayTime(x.unreachable_since, tz)} · ` : ''}<span style="color:var(--muted)">${esc(age)}</span>`]);
  }
  rows.push(['Last telemetry', x.telemetry_t === null ? 'none yet' : `${dayTime(x.telemetry_t, tz)} <span style="color:var(--muted)">(${duration(x.t - x.telemetry_t)} ago)</span>`]);
  const ota = x.ota;
  const ota_state = typeof ota?.state === 'string' ? ota.state : null;
  rows.push(['OTA', ota_state === null ? 'no update job' : `${esc(humanize(ota_state))}${typeof ota?.progress_pct === 'number' ? ` · ${Math.round(ota.progress_pct)} %` : ''}<br><span style="color:var(--muted)">${esc(String(ota?.job ?? ''))} · ${esc(String(ota?.from ?? '?'))} → ${esc(String(ota?.to ?? '?'))}${typeof ota?.result === 'string' && ota.result !== 'ok' && ota.result !== 'in_progress' ? ` · ${esc(ota.result)}` : ''}</span>`]);
  let vals = '';
  if (values === 'loading') vals = '<div class="list" style="color:var(--muted)">loading…</div>';
  else if (values && typeof values === 'object') {
    // The fold is newer than the fetched telemetry line when an event came after it (leak_detected).
    const merged = x.leak !== null && 'leak' in values ? { ...values, leak: x.leak } : values;
    const entries = Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : 1));
    vals = entries.length ? `<div class="values">${entries.map(([k, v]) => `<span>${esc(k)}</span><span>${value(v)}</span>`).join('')}</div>` : '';
  }
  const alerts = x.alerts.length
    ? `<h4>Alerts (${x.alerts.length})</h4><div class="list">${x.alerts.map((a) => `<div><span class="sev ${esc(a.sev)}" style="display:inline-block;margin-right:6px"></span>${esc(humanize(a.type))} <span style="color:var(--muted)">since ${dayTime(a.started_t, tz)}${a.inh ? ` · inhibited by ${esc(a.inh)}` : ''}</span></div>`).join('')}</div>`
    : '';
  const ev = x.event && typeof x.event.type === 'string' ? `<h4>Last event</h4><div class="list"><div>${esc(humanize(x.event.type))} <span style="color:var(--muted)">${x.event_t !== null ? dayTime(x.event_t, tz) : ''}</span></div></div>` : '';
  el.innerHTML = `<div class="head"><div><div class="id" data-testid="details-id">${esc(x.id)}</div><div class="kind">${info ? esc(KIND_LABEL[info.kind] ?? info.kind) : 'unknown device'}</div>
    <div style="margin-top:8px"><span class="pill" data-testid="details-status" data-status="${status}" style="color:${colour};background:${colour}1f;border-color:${colour}55">${esc(STATUS_LABEL[status])}</span></div></div>
    <button class="close" title="Close" data-action="close">×</button></div>
    <dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>${vals ? `<h4>Last values</h4>${vals}` : ''}${alerts}${ev}`;
}
