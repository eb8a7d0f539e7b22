/**
 * The timeline strip under the plan: an hour axis in the site's local time and one lane each for
 * the ground truth's faults, the platform's incidents (open → resolve, coloured by priority and
 * labelled), alert density and rollout waves with their gate decisions. Everything is placed in
 * percent of the run, so the strip needs no relayout when the window changes size.
 * Clicking a bar seeks to its start and selects it; clicking elsewhere on a lane seeks there.
 */
import type { DeviceRegistry } from '../model/registry.ts';
import { faultName, type Story } from '../model/story.ts';
import { PRIORITY_COLOR, hex } from '../render/palette.ts';
import { esc, shortTime } from './format.ts';

export const PRIORITY_CSS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(PRIORITY_COLOR).map(([p, c]) => [p, hex(c)]));
const ALERT_BINS = 160;
const INCIDENT_ROWS = 3;
const HOUR = 3_600_000;
const TICK_STEPS_H = [1, 2, 3, 6, 12, 24, 48, 168];

export type StripPick = { type: 'incident'; id: string; t: number } | { type: 'fault'; id: string; t: number } | { type: 'time'; t: number };

/** Minutes east of UTC of zone `tz` at time t (Intl, so half-hour zones and DST are right). */
function offsetMinutes(t: number, tz: string): number {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(t);
    const get = (k: string): number => Number(parts.find((p) => p.type === k)?.value ?? 0);
    const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
    return Math.round((local - Math.floor(t / 60_000) * 60_000) / 60_000);
  } catch {
    return 0;
  }
}

/** Tick times on whole local hours, `step_h` apart, between start and end. */
export function hourTicks(start: number, end: number, tz: string, max_ticks: number): number[] {
  const span_h = (end - start) / HOUR;
  const step_h = TICK_STEPS_H.find((s) => span_h / s <= max_ticks) ?? 168;
  const out: number[] = [];
  // Walk whole UTC minutes from start; local hour boundaries are where local time mod step is 0.
  const off = offsetMinutes(start, tz);
  const local_start = start + off * 60_000;
  let local = Math.ceil(local_start / (step_h * HOUR)) * step_h * HOUR;
  for (let guard = 0; guard < 1000; guard++) {
    const t = local - offsetMinutes(local - off * 60_000, tz) * 60_000;
    if (t > end) break;
    if (t >= start) out.push(t);
    local += step_h * HOUR;
  }
  return out;
}

/** Bars packed into rows so they never overlap (greedy, in start order; the last row takes the overflow). */
function packRows(bars: ReadonlyArray<{ start: number; stop: number }>): number[] {
  const row_end: number[] = [];
  return bars.map((b) => {
    let r = row_end.findIndex((e) => e <= b.start);
    if (r < 0) r = row_end.length < INCIDENT_ROWS ? row_end.length : INCIDENT_ROWS - 1;
    row_end[r] = Math.max(row_end[r] ?? -Infinity, b.stop);
    return r;
  });
}

export function renderStrip(story: Story, reg: DeviceRegistry, start: number, end: number, tz: string): string {
  const span = Math.max(1, end - start);
  const x = (t: number): number => Math.max(0, Math.min(100, ((t - start) / span) * 100));
  const w = (a: number, b: number): number => Math.max(0.35, x(b) - x(a));
  const ticks = hourTicks(start, end, tz, 12)
    .map((t) => `<span class="tick" style="left:${x(t).toFixed(3)}%">${esc(shortTime(t, tz))}</span>`)
    .join('');
  const fault_rows = packRows(story.faults.map((f) => ({ start: f.start_t, stop: f.end_t ?? end })));
  const faults = story.faults
    .map((f, k) => {
      const stop = f.end_t ?? end;
      const title = `${faultName(f.kind)}${f.target ? ` · ${f.target}` : ''} · ${shortTime(f.start_t, tz)}–${f.end_t === null ? 'end' : shortTime(f.end_t, tz)}`;
      return `<button class="bar fault" data-testid="timeline-fault" data-fault="${esc(f.id)}" data-t="${f.start_t}" style="left:${x(f.start_t).toFixed(3)}%;width:${w(f.start_t, stop).toFixed(3)}%;top:${fault_rows[k]! * 12}px" title="${esc(title)}"><span>${esc(faultName(f.kind))}</span></button>`;
    })
    .join('');
  const rows = packRows(story.incidents.map((i) => ({ start: i.opened_t, stop: i.resolved_t ?? end })));
  const incidents = story.incidents
    .map((i, k) => {
      const stop = i.resolved_t ?? end;
      const fault = story.faultFor(i, reg);
      const what = fault ? faultName(fault.kind) : i.scope.slice(i.scope.indexOf(':') + 1);
      const colour = PRIORITY_CSS[i.pri] ?? PRIORITY_CSS.P4!;
      const ack = i.acked_t !== null ? `<i class="ack" style="left:${(((i.acked_t - i.opened_t) / Math.max(1, stop - i.opened_t)) * 100).toFixed(2)}%"></i>` : '';
      const title = `${i.id} · ${i.pri} · ${what} · ${i.nd} device${i.nd === 1 ? '' : 's'} · opened ${shortTime(i.opened_t, tz)}${i.resolved_t !== null ? `, resolved ${shortTime(i.resolved_t, tz)}` : ', still open'}`;
      return `<button class="bar inc" data-testid="timeline-incident" data-incident="${esc(i.id)}" data-t="${i.opened_t}" style="left:${x(i.opened_t).toFixed(3)}%;width:${w(i.opened_t, stop).toFixed(3)}%;top:${rows[k]! * 12}px;background:${colour}" title="${esc(title)}">${ack}<span>${esc(`${i.pri} · ${what}`)}</span></button>`;
    })
    .join('');
  const inc_rows = Math.min(INCIDENT_ROWS, Math.max(1, ...rows.map((r) => r + 1)));
  // Alert density: firings per bin, as one SVG path (the busiest bin is full height).
  const bins = new Array<number>(ALERT_BINS).fill(0);
  const hot = new Array<boolean>(ALERT_BINS).fill(false);
  for (const a of story.alerts) {
    const b = Math.min(ALERT_BINS - 1, Math.max(0, Math.floor(((a.t - start) / span) * ALERT_BINS)));
    bins[b]!++;
    if (a.inh === null && (a.sev === 'critical' || a.sev === 'major')) hot[b] = true;
  }
  const peak = Math.max(1, ...bins);
  const density = bins
    .map((n, b) => (n > 0 ? `<rect x="${b}" y="${(1 - Math.max(0.18, n / peak)) * 10}" width="1" height="${Math.max(0.18, n / peak) * 10}" fill="${hot[b] ? '#ef4444' : '#94a3b8'}"/>` : ''))
    .join('');
  const waves = story.waves
    .map((v) => {
      const stop = v.end_t ?? end;
      return `<span class="bar wave" style="left:${x(v.start_t).toFixed(3)}%;width:${w(v.start_t, stop).toFixed(3)}%" title="${esc(`${v.rollout} · wave ${v.wave + 1} · ${shortTime(v.start_t, tz)}`)}"><span>${esc(v.wave === 0 ? 'canary' : `wave ${v.wave + 1}`)}</span></span>`;
    })
    .join('');
  const decisions = story.decisions
    .map((d) => {
      const bad = d.event !== 'completed' && d.event !== 'soak_passed' && d.event !== 'resumed';
      return `<i class="decision${bad ? ' bad' : ''}" data-t="${d.t}" style="left:${x(d.t).toFixed(3)}%" title="${esc(`${d.rollout}: ${d.event.replace(/_/g, ' ')}${d.reason ? ` — ${d.reason}` : ''}`)}"></i>`;
    })
    .join('');
  const lane = (name: string, body: string, cls = '', h = 14): string => `<div class="lane ${cls}"><span class="name">${name}</span><div class="track" style="height:${h}px">${body}</div></div>`;
  return `<div class="lane axis"><span class="name"></span><div class="track">${ticks}</div></div>
    <div class="cursor-layer"><i class="cursor" data-testid="timeline-cursor"></i></div>
    ${lane('Faults', faults || '<span class="none">no injected faults</span>', 'faults', Math.min(INCIDENT_ROWS, Math.max(1, ...fault_rows.map((r) => r + 1))) * 12 + 2)}
    ${lane('Incidents', incidents || '<span class="none">no incidents</span>', 'incidents', inc_rows * 12 + 2)}
    ${lane('Alerts', story.alerts.length ? `<svg viewBox="0 0 ${ALERT_BINS} 10" preserveAspectRatio="none">${density}</svg>` : '<span class="none">no alerts</span>', 'alerts', 12)}
    ${story.waves.length || story.decisions.length ? lane('Rollout', waves + decisions, 'lane-rollout') : ''}`;
}
