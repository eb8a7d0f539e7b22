/**
 * Side panels: SLA gauges, fleet status counts (also the colour legend), incidents, active alerts
 * and firmware rollouts. Each panel renders to an HTML string and touches the DOM only when the
 * string changed, so a paused replay costs nothing and clicks never land on a replaced node.
 */
import { OTA, STATUSES, STATUS_LABEL, type Status } from '../model/codes.ts';
import type { AlertRec, FleetState, IncidentRec, RolloutRec } from '../model/fleet-state.ts';
import type { Gauges } from '../model/sla.ts';
import type { Topology } from '../model/topology.ts';
import { STATUS_CSS } from '../render/palette.ts';
import { esc, humanize, int, pct, shortTime } from './format.ts';

const shown = new WeakMap<HTMLElement, string>();
function render(el: HTMLElement, html: string): void {
  if (shown.get(el) === html) return;
  shown.set(el, html);
  el.innerHTML = html;
}

function ring(value: number, target: number | null, name: string, caption: string, testid: string): string {
  const r = 34;
  const circ = 2 * Math.PI * r;
  // No data yet (no device has reported, no incident decided): an honest dash, not a green 100 %.
  if (Number.isNaN(value)) {
    return `<div class="gauge" data-testid="${testid}" data-value="">
    <svg viewBox="0 0 84 84"><circle cx="42" cy="42" r="${r}" fill="none" stroke="#1b2742" stroke-width="8"/>
    <text class="v" x="42" y="47" text-anchor="middle">—</text></svg>
    <div class="n">${esc(name)}</div><div class="c">${esc(caption)}</div></div>`;
  }
  const v = Math.max(0, Math.min(1, value));
  const ok = target === null ? v >= 0.95 : v >= target;
  const colour = ok ? '#22c55e' : v >= (target ?? 0.95) - 0.02 ? '#facc15' : '#ef4444';
  const tick = target === null ? '' : (() => {
    const a = -Math.PI / 2 + target * 2 * Math.PI;
    return `<line x1="${42 + Math.cos(a) * 29}" y1="${42 + Math.sin(a) * 29}" x2="${42 + Math.cos(a) * 40}" y2="${42 + Math.sin(a) * 40}" stroke="#e2e8f0" stroke-width="2"/>`;
  })();
  const text = v >= 0.9995 && v < 1 ? (v * 100).toFixed(2) : v === 1 ? '100' : (v * 100).toFixed(v >= 0.99 ? 2 : 1);
  return `<div class="gauge" data-testid="${testid}" data-value="${value}">
    <svg viewBox="0 0 84 84"><circle cx="42" cy="42" r="${r}" fill="none" stroke="#1b2742" stroke-width="8"/>
    <circle cx="42" cy="42" r="${r}" fill="none" stroke="${colour}" stroke-width="8" stroke-linecap="round" stroke-dasharray="${(v * circ).toFixed(2)} ${circ.toFixed(2)}" transform="rotate(-90 42 42)"/>${tick}
    <text class="v" x="42" y="47" text-anchor="middle">${text}%</text></svg>
    <div class="n">${esc(name)}</div><div class="c">${esc(caption)}</div></div>`;
}

export function renderSla(el: HTMLElement, g: Gauges, final: Record<string, unknown> | null): void {
  const decided = g.responses_met + g.responses_breached;
  const avail_caption = final !== null && typeof final.availability === 'number' ? `platform: ${pct(final.availability, 3)}` : `target ${pct(g.availability_target, 1)}`;
  render(
    el,
    `<div class="gauges">${ring(g.devices === 0 ? NaN : g.availability, g.availability_target, 'Availability', avail_caption, 'gauge-availability')}${ring(decided === 0 ? NaN : g.response_compliance, 0.95, 'Response', decided === 0 ? (g.responses_pending ? `${g.responses_pending} pending` : 'no incidents yet') : `${g.responses_met}/${decided} on time`, 'gauge-response')}${ring(g.devices === 0 ? NaN : g.patch_coverage, 0.95, 'Patch coverage', g.devices === 0 ? 'no device yet' : `${int(g.patch_compliant)}/${int(g.devices)} approved`, 'gauge-patch')}</div>`,
  );
}

export function renderFleet(el: HTMLElement, count: HTMLElement, g: Gauges, total: number): void {
  count.textContent = `${int(g.devices)} of ${int(total)} reporting`;
  const rows = STATUSES.filter((s) => s !== 'unknown' || g.by_status.unknown > 0)
    .map((s: Status) => `<div class="row${g.by_status[s] === 0 ? ' zero' : ''}" data-status="${s}"><span class="sw" style="background:${STATUS_CSS[s]}"></span><span class="k">${STATUS_LABEL[s]}</span><span class="v">${int(g.by_status[s])}</span></div>`)
    .join('');
  render(el, `<div class="legend">${rows}</div>`);
}

export function scopeLabel(topo: Topology, state: FleetState, scope: string): string {
  const i = scope.indexOf(':');
  const kind = scope.slice(0, i);
  const id = scope.slice(i + 1);
  switch (kind) {
    case 'floor': {
      const f = topo.by_floor.get(id);
      return f ? `${f.floor.label}, ${f.building.name}` : `Floor ${id}`;
    }
    case 'building':
      return topo.by_building.get(id)?.name ?? `Building ${id}`;
    case 'site':
      return topo.sites.find((s) => s.id === id)?.name ?? `Site ${id}`;
    case 'gateway':
      return `Gateway ${id}`;
    case 'device': {
      const d = state.registry.indexOf(id);
      const k = d >= 0 ? state.registry.info[d]?.kind : undefined;
      return k ? `${id} (${k})` : id;
    }
    default:
      return scope;
  }
}

const INC_ORDER: Record<string, number> = { open: 0, acknowledged: 1, resolved: 2 };

const PRI_ORDER: Record<string, number> = { P1: 0, P2: 1, P3: 2, P4: 3 };

export function renderIncidents(el: HTMLElement, count: HTMLElement, state: FleetState, topo: Topology, tz: string, limit: number, selected: string | null = null): void {
  const all = [...state.incidents.values()];
  const open = all.filter((i) => i.s !== 'resolved').length;
  count.textContent = all.length ? `${open} open · ${all.length} total` : '';
  // Open first, then the most urgent: a P1 never hides under "+ N more" behind P2s.
  const list = all.sort((a, b) => (INC_ORDER[a.s] ?? 3) - (INC_ORDER[b.s] ?? 3) || (PRI_ORDER[a.pri] ?? 9) - (PRI_ORDER[b.pri] ?? 9) || b.opened_t - a.opened_t || (a.id < b.id ? -1 : 1)).slice(0, limit);
  if (list.length === 0) return render(el, '<div class="empty">No incidents so far.</div>');
  const item = (i: IncidentRec): string => {
    const status = i.s === 'resolved' ? `resolved ${shortTime(i.resolved_t ?? NaN, tz)}` : i.s === 'acknowledged' ? `acknowledged${i.by ? ` by ${esc(i.by)}` : ''}` : 'open — awaiting response';
    const tech = i.tech ? ` · ${esc(i.tech)}${i.s === 'resolved' ? '' : ' dispatched'}` : '';
    return `<div class="item ${i.s}${i.id === selected ? ' selected' : ''}" data-incident="${esc(i.id)}" data-scope="${esc(i.scope)}"><span class="prio ${esc(i.pri)}">${esc(i.pri)}</span><span class="what">${esc(scopeLabel(topo, state, i.scope))}</span><span class="when">${shortTime(i.opened_t, tz)}</span><span class="sub">${esc(i.id)} · ${status}${tech} · ${i.nd} device${i.nd === 1 ? '' : 's'}</span></div>`;
  };
  render(el, `<div class="feed">${list.map(item).join('')}</div>${all.length > limit ? `<div class="more">+ ${all.length - limit} more</div>` : ''}`);
}

const SEV_ORDER: Record<string, number> = { critical: 0, major: 1, minor: 2, warning: 3, info: 4 };

export function renderAlerts(el: HTMLElement, count: HTMLElement, state: FleetState, tz: string, limit: number): void {
  const active = [...state.alerts.values()].filter((a) => a.s !== 'resolved');
  const inhibited = active.filter((a) => a.inh !== null).length;
  count.textContent = active.length ? `${active.length}${inhibited ? ` (${inhibited} inhibited)` : ''}` : '';
  // Actionable first: not inhibited, most severe, newest.
  active.sort((a, b) => (a.inh === null ? 0 : 1) - (b.inh === null ? 0 : 1) || (SEV_ORDER[a.sev] ?? 9) - (SEV_ORDER[b.sev] ?? 9) || b.started_t - a.started_t || (a.id < b.id ? -1 : 1));
  if (active.length === 0) return render(el, '<div class="empty">No active alerts.</div>');
  const item = (a: AlertRec): string => {
    const dev = a.d >= 0 ? state.registry.ids[a.d]! : '?';
    const sub = `${esc(dev)}${a.inh ? ` · inhibited by ${esc(a.inh)}` : ''}${a.s === 'acknowledged' ? ' · acknowledged' : ''}${a.flap ? ' · flapping' : ''}`;
    return `<div class="item${a.inh ? ' resolved' : ''}" data-device="${esc(dev)}" data-alert="${esc(a.id)}"><span class="sev ${esc(a.sev)}"></span><span class="what">${esc(humanize(a.type))}</span><span class="when">${shortTime(a.started_t, tz)}</span><span class="sub">${sub}</span></div>`;
  };
  render(el, `<div class="feed">${active.slice(0, limit).map(item).join('')}</div>${active.length > limit ? `<div class="more">+ ${active.length - limit} more</div>` : ''}`);
}

const ROLLOUT_PILL: Record<string, [string, string]> = {
  running: ['running', '#38bdf8'],
  soaking: ['soaking', '#facc15'],
  paused: ['halted', '#ef4444'],
  rolling_back: ['rolling back', STATUS_CSS.rolled_back],
  rolled_back: ['rolled back', STATUS_CSS.rolled_back],
  completed: ['complete', '#22c55e'],
  aborted: ['aborted', '#ef4444'],
  cancelled: ['cancelled', '#94a3b8'],
};

const OTA_GROUPS: ReadonlyArray<{ name: string; colour: string; states: readonly string[] }> = [
  { name: 'committed', colour: STATUS_CSS.online, states: ['committed'] },
  { name: 'in progress', colour: STATUS_CSS.updating, states: ['deferred', 'downloading', 'downloaded', 'verifying', 'waiting_window', 'installing', 'rebooting', 'health_check'] },
  { name: 'rolled back', colour: STATUS_CSS.rolled_back, states: ['rolled_back'] },
  { name: 'bricked', colour: STATUS_CSS.bricked, states: ['bricked'] },
  { name: 'failed', colour: STATUS_CSS.update_failed, states: ['failed', 'rejected'] },
  { name: 'cancelled', colour: '#64748b', states: ['cancelled', 'idle'] },
];

export function renderRollouts(el: HTMLElement, count: HTMLElement, state: FleetState, tz: string): void {
  // Device OTA states by job, straight from the devices' `ota` messages.
  const by_job = new Map<string, number[]>();
  const c = state.c;
  for (let d = 0; d < state.registry.size; d++) {
    const code = c.ota[d]!;
    if (code === 0) continue;
    const job = state.registry.strings[c.job[d]!] ?? '';
    let counts = by_job.get(job);
    if (!counts) by_job.set(job, (counts = new Array<number>(OTA_GROUPS.length).fill(0)));
    const name = OTA[code - 1]!;
    const g = OTA_GROUPS.findIndex((x) => x.states.includes(name));
    if (g >= 0) counts[g]!++;
  }
  const rollouts: Array<RolloutRec | { id: string; synthetic: true }> = [...state.rollouts.values()];
  for (const job of by_job.keys()) if (!state.rollouts.has(job)) rollouts.push({ id: job, synthetic: true });
  count.textContent = rollouts.length ? String(rollouts.length) : '';
  if (rollouts.length === 0) return render(el, '<div class="empty">No firmware rollouts in this run.</div>');
  rollouts.sort((a, b) => (a.id < b.id ? -1 : 1));
  const html = rollouts
    .map((r) => {
      const counts = by_job.get(r.id) ?? new Array<number>(OTA_GROUPS.length).fill(0);
      const total = counts.reduce((s, x) => s + x, 0);
      const bar = total > 0 ? OTA_GROUPS.map((g, i) => (counts[i]! > 0 ? `<i style="width:${(counts[i]! / total) * 100}%;background:${g.colour}" title="${g.name}: ${counts[i]}"></i>` : '')).join('') : '';
      const breakdown = OTA_GROUPS.map((g, i) => (counts[i]! > 0 ? `${counts[i]} ${g.name}` : '')).filter(Boolean).join(' · ');
      if ('synthetic' in r) {
        return `<div class="rollout" data-rollout="${esc(r.id)}"><div class="top"><span class="id">${esc(r.id || 'OTA job')}</span></div><div class="stack">${bar}</div><div class="log">${breakdown}</div></div>`;
      }
      const wave = r.wave !== null ? `wave ${r.wave + 1}${r.waves !== null ? `/${r.waves}` : ''}` : '';
      const [label, colour] = ROLLOUT_PILL[r.state] ?? [r.state, '#38bdf8'];
      const pill = `<span class="pill" data-testid="rollout-state" style="color:${colour};background:${colour}1f">${esc(label)}${r.state === 'running' || r.state === 'paused' ? ` · ${wave}` : ''}</span>`;
      const tally = `${r.succeeded} updated${r.failed ? `, <b style="color:#ef4444">${r.failed} failed</b>` : ''}${r.targets !== null ? ` of ${r.targets}` : ''}`;
      const log = r.events
        .slice(-3)
        .reverse()
        .map((e) => `<div>${shortTime(e.t, tz)} <b>${esc(humanize(e.event))}</b>${e.reason ? ` · ${esc(e.reason)}` : ''}</div>`)
        .join('');
      return `<div class="rollout" data-rollout="${esc(r.id)}"><div class="top"><span class="id">${esc(r.id)}</span>${pill}</div>${r.fw ? `<div class="log">target <b>${esc(r.fw)}</b></div>` : ''}${bar ? `<div class="stack">${bar}</div>` : ''}<div class="log"><div>${tally}</div>${breakdown ? `<div>devices now: ${breakdown}</div>` : ''}</div><div class="log">${log}</div></div>`;
    })
    .join('');
  render(el, `<div class="feed">${html}</div>`);
}
