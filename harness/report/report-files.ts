/**
 * Writes a period's SLA report as the files an MSP hands its client: report.json (the whole
 * report, machine-readable), report.html (one self-contained page: inline CSS and SVG, no scripts,
 * nothing fetched from the network), ledger.csv (one row per device) and, with the simulated field
 * service, costs.csv (one row per truck roll). Every figure on the page names its formula or source
 * so the client can recompute it from the CSV and the JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localTime } from '../../platform/contract/local-time.ts';
import type { BuildingSla, IncidentRow, SlaReport } from '../../platform/sla/ledger.ts';
import type { CostLedger } from '../../sim/actors/operations.ts';
import type { Portfolio } from '../../sim/world/topology.ts';
import type { SlaTruth } from '../expect/sla-truth.ts';

export interface ReportMeta {
  scenario: string;
  seed: string;
  trace_hash: string;
  generated_for: string;
  /** The field service's cost ledger (docs/operations.md); absent without the simulated NOC. */
  costs?: CostLedger | null;
  /** The SLA oracle's true down time beside the measured (a simulated run only; a real platform has no truth). */
  truth?: SlaTruth | null;
  /** Device id → residential unit id, for fleets with units (`unitsByDevice`); absent or empty: no unit column. */
  units?: ReadonlyMap<string, string>;
}

/** Which unit each device is in, for the devices in one (a fleet without units gives an empty map). */
export function unitsByDevice(portfolio: Portfolio): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of portfolio.devices) if (d.unit_id !== undefined) out.set(d.id, d.unit_id);
  return out;
}

export function writeReportFiles(report: SlaReport, dir: string, meta: ReportMeta): void {
  mkdirSync(dir, { recursive: true });
  const costs = meta.costs ?? null;
  const truth = meta.truth ?? null;
  const units = meta.units ?? new Map<string, string>();
  // A device in a residential unit says which one (report.json devices[].unit); others are unchanged.
  const listed = units.size === 0 ? report : { ...report, devices: report.devices.map((d) => (units.has(d.id) ? { ...d, unit: units.get(d.id)! } : d)) };
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify({ meta: { scenario: meta.scenario, seed: meta.seed, trace_hash: meta.trace_hash, generated_for: meta.generated_for }, report: listed, ...(costs ? { costs } : {}), ...(truth ? { truth } : {}) }, null, 2)}\n`);
  writeFileSync(join(dir, 'report.html'), renderReportHtml(report, meta));
  writeFileSync(join(dir, 'ledger.csv'), renderLedgerCsv(report, units));
  writeFileSync(join(dir, 'credits.csv'), renderCreditsCsv(report));
  if (costs) writeFileSync(join(dir, 'costs.csv'), renderCostsCsv(costs, units));
}

export const COSTS_CSV_COLUMNS = ['site', 'technician', 'dispatched_ms', 'done_ms', 'labour_ms', 'devices', 'causes', 'batteries', 'replaced_devices', 'cost', 'currency'] as const;

/** One row per truck roll; `devices` and `causes` are space-separated; with units, a last `units` column names the apartments visited. */
export function renderCostsCsv(costs: CostLedger, units: ReadonlyMap<string, string> = new Map()): string {
  const with_units = units.size > 0;
  const lines = [[...COSTS_CSV_COLUMNS, ...(with_units ? ['units'] : [])].join(',')];
  for (const v of costs.visits) {
    const row: Array<string | number> = [v.site, v.technician, v.dispatched_ms, v.done_ms, v.labour_ms, v.devices.join(' '), v.causes.join(' '), v.batteries, v.replaced_devices, v.cost, costs.currency];
    if (with_units) row.push([...new Set(v.devices.flatMap((d) => (units.has(d) ? [units.get(d)!] : [])))].sort().join(' '));
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

function costsSection(c: CostLedger): string {
  const money = (x: number): string => `${c.currency} ${x.toFixed(2)}`;
  const out: string[] = ['<section><h2>Field service costs</h2><div class="kpis">'];
  const kpi = (value: string, label: string): string => `<div class="kpi" style="border-color:${C.primary}"><div class="v">${e(value)}</div><div class="l">${e(label)}</div></div>`;
  out.push(kpi(money(c.total), 'total field-service cost'));
  out.push(kpi(String(c.truck_rolls), `truck rolls (${c.technician_hours} technician hours)`));
  out.push(kpi(`${c.avoided_truck_rolls} / ${c.naive.truck_rolls}`, 'truck rolls avoided / naive dispatches'));
  out.push(kpi(money(c.naive.total), 'naive dispatch-on-every-dead-device cost (estimate)'));
  out.push('</div><table><thead><tr><th>cause</th><th class="n">cost</th></tr></thead><tbody>');
  for (const [cause, x] of Object.entries(c.by_cause)) out.push(`<tr><td>${e(cause)}</td><td class="n">${e(money(x))}</td></tr>`);
  out.push('</tbody></table>');
  out.push(
    `<p class="note">Truck roll cost = truck_roll + technician_hour × (2 × travel + time on site) + battery × batteries + replaced_device × replaced units; a visit serving several causes splits its cost evenly. ` +
      `Naive = one truck per incident that had a dead device or a leak at any point, each at truck_roll + an average job. Source: costs.csv (one row per visit), report.json costs.</p></section>`,
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

export const LEDGER_CSV_COLUMNS = ['id', 'site', 'building', 'kind', 'model', 'fw', 'agreed_ms', 'downtime_ms', 'excluded_ms', 'availability', 'outage_count', 'longest_outage_ms', 'compliant', 'unreachable_ms'] as const;
export const CREDITS_CSV_COLUMNS = ['scope', 'period_from', 'period_to', 'agreed_ms', 'downtime_ms', 'availability', 'tier_below', 'credit_pct', 'monthly_fee', 'currency', 'amount_owed'] as const;

function csvField(v: string | number | boolean): string {
  const s = String(v);
  // RFC 4180 quoting; a leading =, +, - or @ would also be a formula in a spreadsheet, so quote
  // those and prefix an apostrophe (ids come from devices, which are not trusted input).
  const formula = typeof v === 'string' && /^[=+\-@]/.test(s);
  const text = formula ? `'${s}` : s;
  return /[",\r\n]/.test(text) || formula ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per device; a fleet with residential units adds a last `unit` column (empty for devices in none). */
export function renderLedgerCsv(report: SlaReport, units: ReadonlyMap<string, string> = new Map()): string {
  const with_units = units.size > 0;
  const lines = [[...LEDGER_CSV_COLUMNS, ...(with_units ? ['unit'] : [])].join(',')];
  for (const d of report.devices) {
    // Availability is written with full double precision (shortest round-trip form), so the
    // column equals (agreed_ms − downtime_ms) / agreed_ms exactly as a double.
    const row: Array<string | number | boolean> = [d.id, d.site, d.building, d.kind, d.model, d.fw, d.agreed_ms, d.downtime_ms, d.excluded_ms, d.availability, d.outage_count, d.longest_outage_ms, d.compliant, d.unreachable_ms];
    if (with_units) row.push(units.get(d.id) ?? '');
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** One row for the portfolio, then one per client (`client:<id>`): the credit tier reached and the money owed. */
export function renderCreditsCsv(report: SlaReport): string {
  const c = report.credits;
  const p = report.portfolio;
  const from = iso(report.period.from_ms);
  const to = iso(report.period.to_ms);
  const rows = [['portfolio', from, to, p.agreed_ms, p.downtime_ms, c.availability, c.tier?.below ?? '', c.credit_pct, c.monthly_fee ?? '', c.currency ?? '', c.amount_owed ?? '']];
  for (const cl of c.clients) rows.push([`client:${cl.id}`, from, to, cl.agreed_ms, cl.downtime_ms, cl.availability, cl.tier?.below ?? '', cl.credit_pct, cl.monthly_fee ?? '', cl.currency ?? '', cl.amount_owed ?? '']);
  return `${[CREDITS_CSV_COLUMNS.join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\r\n')}\r\n`;
}

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const e = (v: string | number | null): string => escapeHtml(v === null ? '—' : String(v));

/** Percent with 4 decimals: 99.5000 % (the exact value is in the JSON and the CSV). */
export function pct(x: number): string {
  return `${(x * 100).toFixed(4)} %`;
}

/**
 * A duration to the second, nothing truncated: 89 min 45 s is "1 h 29 min 45 s", not "1 h 29 min"
 * (zero parts are left out: "2 h", "3 d 0 h 5 min" reads "3 d 5 min"). Exact ms stand beside it
 * wherever they matter.
 */
export function duration(ms: number | null): string {
  if (ms === null) return '—';
  const neg = ms < 0;
  let s = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts: string[] = [];
  if (d > 0) parts.push(`${d} d`);
  if (h > 0) parts.push(`${h} h`);
  if (m > 0) parts.push(`${m} min`);
  if (s > 0 || parts.length === 0) parts.push(`${s} s`);
  return `${neg ? '−' : ''}${parts.join(' ')}`;
}

/** "1 device", "3 devices". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function iso(ms: number | null): string {
  if (ms === null) return '—';
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Site-local wall time with its zone, then UTC: "2026-03-15 10:01 America/New_York (14:01Z)". */
export function localAndUtc(ms: number | null, timezone: string | undefined): string {
  if (ms === null) return '—';
  if (timezone === undefined) return iso(ms);
  const t = localTime(timezone, ms);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const u = new Date(ms);
  return `${t.year}-${p2(t.month)}-${p2(t.day)} ${p2(t.hour)}:${p2(t.minute)} ${timezone} (${p2(u.getUTCHours())}:${p2(u.getUTCMinutes())}Z)`;
}

const C = {
  ink: '#1d2733',
  muted: '#5c6b7a',
  grid: '#d9dee5',
  bg: '#f6f7f9',
  card: '#ffffff',
  primary: '#1f4e79',
  secondary: '#5b9bd5',
  good: '#2a9d6f',
  warn: '#e0a030',
  bad: '#c8463d',
  neutral: '#9aa5b1',
};

const P_COLORS: Record<string, string> = { P1: '#c8463d', P2: '#e07b39', P3: '#e0a030', P4: '#5b9bd5' };

/** Lowest axis value for availability bars: the largest of these not above any value or the target. */
function availabilityAxisFrom(values: readonly number[], target: number): number {
  const lowest = Math.min(target, ...values);
  for (const lo of [0.99, 0.98, 0.95, 0.9, 0.8, 0.5]) if (lowest >= lo) return lo;
  return 0;
}

function availabilityChart(report: SlaReport): string {
  const bs = report.buildings;
  if (bs.length === 0) return '<p class="note">No buildings in this period.</p>';
  const target = report.contract.availability_target;
  const lo = availabilityAxisFrom(bs.flatMap((b) => [b.availability, b.rule.availability]), target);
  const label_w = 180;
  const plot_w = 460;
  const row_h = 34;
  const top = 24;
  const h = top + bs.length * row_h + 28;
  const x = (v: number): number => label_w + ((Math.max(lo, v) - lo) / (1 - lo)) * plot_w;
  const out: string[] = [];
  out.push(`<svg role="img" aria-label="Availability per building" viewBox="0 0 ${label_w + plot_w + 110} ${h}" width="100%" style="max-width:${label_w + plot_w + 110}px">`);
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((1 - lo) * k) / 4;
    const gx = x(v);
    out.push(`<line x1="${gx.toFixed(1)}" y1="${top - 6}" x2="${gx.toFixed(1)}" y2="${h - 22}" stroke="${C.grid}"/>`);
    out.push(`<text x="${gx.toFixed(1)}" y="${h - 8}" font-size="11" fill="${C.muted}" text-anchor="middle">${e(`${(v * 100).toFixed(2)} %`)}</text>`);
  }
  bs.forEach((b, i) => {
    const y = top + i * row_h;
    out.push(`<text x="${label_w - 8}" y="${y + 15}" font-size="12" fill="${C.ink}" text-anchor="end">${e(`${b.site} / ${b.id}`)}</text>`);
    const w1 = x(b.availability) - label_w;
    const w2 = x(b.rule.availability) - label_w;
    out.push(`<rect x="${label_w}" y="${y}" width="${w1.toFixed(1)}" height="12" fill="${b.availability >= target ? C.primary : C.bad}"><title>${e(`${b.id} device-weighted ${pct(b.availability)}`)}</title></rect>`);
    out.push(`<rect x="${label_w}" y="${y + 14}" width="${w2.toFixed(1)}" height="12" fill="${b.rule.availability >= target ? C.secondary : C.warn}"><title>${e(`${b.id} rule-based ${pct(b.rule.availability)}`)}</title></rect>`);
    out.push(`<text x="${(label_w + plot_w + 6).toFixed(1)}" y="${y + 10}" font-size="11" fill="${C.ink}">${e(pct(b.availability))}</text>`);
    out.push(`<text x="${(label_w + plot_w + 6).toFixed(1)}" y="${y + 24}" font-size="11" fill="${C.muted}">${e(pct(b.rule.availability))}</text>`);
  });
  const tx = x(target);
  out.push(`<line x1="${tx.toFixed(1)}" y1="${top - 10}" x2="${tx.toFixed(1)}" y2="${h - 22}" stroke="${C.ink}" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${tx.toFixed(1)}" y="${top - 12}" font-size="11" fill="${C.ink}" text-anchor="middle">${e(`target ${pct(target)}`)}</text>`);
  out.push('</svg>');
  out.push(
    `<p class="note">Dark bar: device-weighted availability = (Σ agreed_ms − Σ downtime_ms) / Σ agreed_ms over the building's devices. ` +
      `Light bar: rule-based availability = (agreed_ms − down_ms) / agreed_ms, the building counting as down while ≥ ${e(pct(report.contract.building_down_fraction))} of its devices or any critical device is down. ` +
      `Axis starts at ${e(`${(lo * 100).toFixed(2)} %`)}. Red/amber: below target. Source: ledger.csv, report.json buildings[].</p>`,
  );
  return out.join('');
}

function incidentsChart(report: SlaReport): string {
  const ps = report.incidents.by_priority;
  const max = Math.max(1, ...ps.map((p) => p.count));
  const plot_h = 140;
  const bar_w = 56;
  const gap = 40;
  const left = 36;
  const top = 14;
  const w = left + ps.length * (bar_w + gap) + 10;
  const h = top + plot_h + 40;
  const out: string[] = [`<svg role="img" aria-label="Incidents by priority" viewBox="0 0 ${w} ${h}" width="100%" style="max-width:${w}px">`];
  const ticks = Math.min(max, 4);
  for (let k = 0; k <= ticks; k++) {
    const v = Math.round((max * k) / ticks);
    const y = top + plot_h - (v / max) * plot_h;
    out.push(`<line x1="${left}" y1="${y.toFixed(1)}" x2="${w - 6}" y2="${y.toFixed(1)}" stroke="${C.grid}"/>`);
    out.push(`<text x="${left - 6}" y="${(y + 4).toFixed(1)}" font-size="11" fill="${C.muted}" text-anchor="end">${v}</text>`);
  }
  ps.forEach((p, i) => {
    const x0 = left + gap / 2 + i * (bar_w + gap);
    // Stacked by resolution verdict: met, breached, pending (still open, not yet due).
    let y = top + plot_h;
    const segs: Array<[number, string, string]> = [
      [p.resolution.met, C.good, 'resolved within target'],
      [p.resolution.breached, C.bad, 'resolution breached'],
      [p.resolution.pending, C.neutral, 'open, not yet due'],
    ];
    for (const [n, color, what] of segs) {
      if (n === 0) continue;
      const hh = (n / max) * plot_h;
      y -= hh;
      out.push(`<rect x="${x0}" y="${y.toFixed(1)}" width="${bar_w}" height="${hh.toFixed(1)}" fill="${color}"><title>${e(`${p.priority}: ${n} ${what}`)}</title></rect>`);
    }
    out.push(`<rect x="${x0}" y="${top + plot_h + 4}" width="${bar_w}" height="4" fill="${P_COLORS[p.priority] ?? C.neutral}"/>`);
    out.push(`<text x="${x0 + bar_w / 2}" y="${top + plot_h + 22}" font-size="12" fill="${C.ink}" text-anchor="middle">${e(p.priority)}</text>`);
    out.push(`<text x="${x0 + bar_w / 2}" y="${(top + plot_h - (p.count / max) * plot_h - 4).toFixed(1)}" font-size="11" fill="${C.ink}" text-anchor="middle">${p.count}</text>`);
  });
  out.push('</svg>');
  out.push(
    `<p class="note">Incidents opened in the period, by priority, stacked by resolution verdict: <span class="sw" style="background:${C.good}"></span>resolved ≤ resolution_due, ` +
      `<span class="sw" style="background:${C.bad}"></span>resolved late or open past due, <span class="sw" style="background:${C.neutral}"></span>open, not yet due. Source: report.json incidents.list.</p>`,
  );
  return out.join('');
}

function patchChart(report: SlaReport): string {
  const ms = report.patch.by_model;
  if (ms.length === 0) return '<p class="note">No devices in this period.</p>';
  const label_w = 200;
  const plot_w = 400;
  const row_h = 22;
  const top = 8;
  const h = top + ms.length * row_h + 24;
  const out: string[] = [`<svg role="img" aria-label="Patch coverage per model" viewBox="0 0 ${label_w + plot_w + 150} ${h}" width="100%" style="max-width:${label_w + plot_w + 150}px">`];
  for (let k = 0; k <= 4; k++) {
    const gx = label_w + (plot_w * k) / 4;
    out.push(`<line x1="${gx}" y1="${top}" x2="${gx}" y2="${h - 20}" stroke="${C.grid}"/>`);
    out.push(`<text x="${gx}" y="${h - 6}" font-size="11" fill="${C.muted}" text-anchor="middle">${k * 25} %</text>`);
  }
  ms.forEach((m, i) => {
    const y = top + i * row_h;
    out.push(`<text x="${label_w - 8}" y="${y + 13}" font-size="12" fill="${C.ink}" text-anchor="end">${e(m.model)}</text>`);
    out.push(`<rect x="${label_w}" y="${y + 2}" width="${plot_w}" height="14" fill="${C.bg}"/>`);
    out.push(`<rect x="${label_w}" y="${y + 2}" width="${(m.coverage * plot_w).toFixed(1)}" height="14" fill="${m.coverage >= 1 ? C.good : C.warn}"><title>${e(`${m.model}: ${m.compliant}/${m.devices} on ${m.approved_fw ?? 'any (no approved version)'}`)}</title></rect>`);
    out.push(`<text x="${label_w + plot_w + 6}" y="${y + 13}" font-size="11" fill="${C.ink}">${e(`${m.compliant}/${m.devices} = ${pct(m.coverage)}`)}</text>`);
  });
  out.push('</svg>');
  out.push('<p class="note">Patch coverage = compliant devices / devices, per model; a device is compliant when its firmware at period end equals the contract\'s approved version for its model (no approved version ⇒ compliant). Source: ledger.csv fw and compliant columns.</p>');
  return out.join('');
}

function buildingRow(b: BuildingSla): string {
  return `<tr><td>${e(b.site)}</td><td>${e(b.id)}</td><td class="n">${b.devices}</td><td class="n">${e(b.critical_devices.length)}</td><td class="n">${b.agreed_ms}</td><td class="n">${b.downtime_ms}</td><td class="n">${b.excluded_ms}</td><td class="n">${e(pct(b.availability))}</td><td class="n">${e(pct(b.rule.availability))}</td><td class="n">${b.device_outage_count}</td><td class="n">${e(duration(b.longest_device_outage_ms))}</td><td class="n">${b.rule.outage_count}</td><td class="n">${e(duration(b.rule.longest_outage_ms))}</td></tr>`;
}

function verdictCell(v: string): string {
  const cls = v === 'met' ? 'ok' : v === 'breached' ? 'bad' : 'muted';
  return `<td class="${cls}">${e(v)}</td>`;
}

function incidentRow(i: IncidentRow, timezone: string | undefined): string {
  return `<tr><td>${e(i.id)}</td><td>${e(i.priority)}</td><td>${e(i.cause)}${i.excluded ? ' <span class="tag">excluded</span>' : ''}</td><td>${e(i.scope)}</td><td>${e(localAndUtc(i.opened_ms, timezone))}</td><td class="n">${e(duration(i.tta_ms))}</td><td class="n">${e(duration(i.ttr_ms))}</td>${verdictCell(i.response)}${verdictCell(i.resolution)}<td>${e(i.status_at_end)}</td></tr>`;
}

function creditsSection(report: SlaReport): string {
  const c = report.credits;
  if (c.tiers.length === 0 && c.clients.length === 0) return '';
  const client_rows = c.clients.map(
    (cl) =>
      `<tr><td>${e(cl.id)}</td><td class="n">${cl.devices}</td><td class="n">${e(pct(cl.availability))}</td><td class="n">${e(pct(cl.target))}</td><td class="n">${e(cl.tier ? `below ${pct(cl.tier.below)}` : 'none')}</td><td class="n">${e(pct(cl.credit_pct))}</td><td class="n">${e(cl.amount_owed === null ? '—' : `${cl.amount_owed.toFixed(2)} ${cl.currency ?? ''}`.trim())}</td></tr>`,
  );
  const clients = client_rows.length === 0 ? '' : `<table><thead><tr><th>client</th><th class="n">devices</th><th class="n">availability</th><th class="n">target</th><th class="n">tier</th><th class="n">credit</th><th class="n">owed</th></tr></thead><tbody>${client_rows.join('')}</tbody></table>`;
  if (c.tiers.length === 0) return `<section><h2>Service credits</h2>${clients}</section>`;
  const money = (x: number | null): string => (x === null ? '—' : `${x.toFixed(2)} ${c.currency ?? ''}`.trim());
  const rows = c.tiers.map((t) => {
    const reached = c.tier !== null && t.below === c.tier.below && t.credit === c.tier.credit;
    return `<tr${reached ? ' class="bad"' : ''}><td>${e(`below ${pct(t.below)}`)}</td><td class="n">${e(pct(t.credit))}</td><td>${reached ? 'reached' : ''}</td></tr>`;
  });
  return (
    `<section><h2>Service credits</h2><div class="kpis"><div class="kpi" style="border-color:${c.credit_pct > 0 ? C.bad : C.good}"><div class="v">${e(pct(c.credit_pct))}</div><div class="l">credit (tier reached)</div></div>` +
    `<div class="kpi"><div class="v">${e(money(c.amount_owed))}</div><div class="l">${e(`owed on a monthly fee of ${money(c.monthly_fee)}`)}</div></div></div>` +
    `<table><thead><tr><th>tier</th><th class="n">credit</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
    clients +
    `<p class="note">The tier is the lowest threshold the period's device-weighted availability (${e(pct(c.availability))}) falls below; owed = monthly fee × credit, rounded to the cent, as if this period were the billing month. Source: credits.csv.</p></section>`
  );
}

function truthSection(t: SlaTruth): string {
  const rows = t.buildings.map(
    (b) => `<tr><td>${e(b.site)}</td><td>${e(b.building)}</td><td class="n">${b.devices}</td><td class="n">${e(b.measured_downtime_device_min.toFixed(1))}</td><td class="n">${e(b.true_downtime_device_min.toFixed(1))}</td><td class="n ${b.error_pct <= 5 ? 'ok' : 'bad'}">${e(b.error_pct.toFixed(2))} %</td></tr>`,
  );
  const delays = t.detection_delay.map(
    (k) => `<tr><td>${e(k.kind)}</td><td class="n">${k.episodes}</td><td class="n">${k.undetected}</td><td class="n">${e(duration(k.p50_ms))}</td><td class="n">${e(duration(k.p95_ms))}</td><td class="n">${e(duration(k.max_ms))}</td></tr>`,
  );
  return (
    `<section><h2>Measured vs true down time</h2><p class="note">The simulator knows when each device truly could not reach the platform (dead, its gateway, floor power, site uplink or the broker down); the same contract rules applied to that truth give the true down device-minutes. Error = |measured − true| / true. Portfolio: measured ${e(t.measured_downtime_device_min.toFixed(1))}, true ${e(t.true_downtime_device_min.toFixed(1))} device-minutes, error ${e(t.error_pct.toFixed(2))} %; unreachable counts as ${e(t.unreachable_counts_as)}.</p>` +
    `<table><thead><tr><th>site</th><th>building</th><th class="n">devices</th><th class="n">measured (device-min)</th><th class="n">true (device-min)</th><th class="n">error</th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
    `<table><thead><tr><th>device kind</th><th class="n">true down episodes</th><th class="n">never marked</th><th class="n">detection p50</th><th class="n">p95</th><th class="n">max</th></tr></thead><tbody>${delays.join('')}</tbody></table>` +
    `<p class="note">Detection delay: from a device truly going down to the platform marking it OFFLINE or UNREACHABLE. Episodes never marked ended before the platform could notice (a reboot of seconds).</p></section>`
  );
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:${C.bg};color:${C.ink};font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:0 0 10px;color:${C.primary}}
.sub{color:${C.muted};margin:0 0 18px}
section{background:${C.card};border:1px solid ${C.grid};border-radius:8px;padding:16px 18px;margin:0 0 16px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px}
.kpi{border-left:4px solid ${C.primary};padding:6px 10px;background:${C.bg};border-radius:4px}
.kpi .v{font-size:20px;font-weight:600}
.kpi .l{color:${C.muted};font-size:12px}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{padding:5px 7px;border-bottom:1px solid ${C.grid};text-align:left;vertical-align:top}
th{background:${C.bg};font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:${C.good};font-weight:600}.bad{color:${C.bad};font-weight:600}.muted{color:${C.muted}}
.note{color:${C.muted};font-size:12px;margin:6px 0 0}
.tag{font-size:11px;background:${C.bg};border:1px solid ${C.grid};border-radius:3px;padding:0 4px}
.sw{display:inline-block;width:10px;height:10px;margin:0 3px 0 6px;border-radius:2px;vertical-align:middle}
code{font-size:12px;background:${C.bg};padding:0 3px;border-radius:3px}
`;

export function renderReportHtml(report: SlaReport, meta: ReportMeta): string {
  const p = report.portfolio;
  const eb = report.error_budget;
  const inc = report.incidents;
  const h = report.health;
  const kpi = (value: string, label: string, color: string = C.primary): string => `<div class="kpi" style="border-color:${color}"><div class="v">${e(value)}</div><div class="l">${e(label)}</div></div>`;
  const top_devices = report.devices.filter((d) => d.downtime_ms > 0 || d.excluded_ms > 0).sort((a, b) => b.downtime_ms - a.downtime_ms || (a.id < b.id ? -1 : 1)).slice(0, 50);
  const parts: string[] = [];
  parts.push('<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">');
  parts.push(`<title>${e(`SLA report — ${meta.scenario}`)}</title><style>${CSS}</style></head><body><main>`);
  parts.push(`<h1>${e(`SLA report — ${meta.scenario}`)}</h1>`);
  parts.push(`<p class="sub">${e(`Period ${meta.generated_for} (${iso(report.period.from_ms)} → ${iso(report.period.to_ms)}, ${duration(report.period.duration_ms)}). Seed ${meta.seed}, trace ${meta.trace_hash}.`)}</p>`);

  parts.push('<section><h2>Summary</h2><div class="kpis">');
  parts.push(kpi(pct(p.availability), `availability (device-weighted), target ${pct(report.contract.availability_target)}`, p.availability >= report.contract.availability_target ? C.good : C.bad));
  parts.push(kpi(pct(p.rule.availability), 'availability (building rule, weighted by building size)', C.secondary));
  parts.push(kpi(pct(eb.remaining_fraction), `error budget remaining (${eb.remaining_ms} of ${eb.budget_ms} ms)`, eb.remaining_fraction >= 0 ? C.good : C.bad));
  parts.push(kpi(eb.verdict, 'burn-rate verdict (page / ticket / none)', eb.verdict === 'none' ? C.good : eb.verdict === 'ticket' ? C.warn : C.bad));
  parts.push(kpi(`${p.device_outage_count} / ${duration(p.longest_device_outage_ms)}`, 'device outages / longest'));
  parts.push(kpi(`${inc.count} (${inc.open_at_end} open)`, 'incidents opened in the period'));
  parts.push(kpi(pct(inc.response.compliance), `response compliance (${inc.response.met} met, ${inc.response.breached} breached)`));
  parts.push(kpi(pct(report.patch.coverage), `patch coverage (${report.patch.compliant}/${report.patch.devices})`));
  parts.push(kpi(h.score.toFixed(1), 'fleet health score (0–100)'));
  parts.push('</div>');
  parts.push(
    `<p class="note">Availability = (agreed service time − downtime) / agreed service time. Portfolio: Σ agreed_ms = ${p.agreed_ms}, Σ downtime_ms = ${p.downtime_ms}, Σ excluded_ms = ${p.excluded_ms} (client-caused, not counted), over ${plural(p.devices, 'device')} in ${plural(p.buildings, 'building')}. ` +
      `Building rule, weighted: Σ n_b·(agreed_b − down_b) / Σ n_b·agreed_b = (${p.rule.weighted_agreed_ms} − ${p.rule.weighted_down_ms}) / ${p.rule.weighted_agreed_ms}. ` +
      `Error budget = round((1 − target) × Σ agreed_ms) = ${eb.budget_ms} ms; remaining = 1 − downtime / budget. ` +
      `Health: ${e(h.formula)}; components: availability_score ${e(h.components.availability_score.toFixed(4))}, response_compliance ${e(h.components.response_compliance.toFixed(4))}, patch_coverage ${e(h.components.patch_coverage.toFixed(4))}, open_p1p2_share ${e(h.components.open_p1p2_share.toFixed(4))}.</p>`,
  );
  parts.push('</section>');

  parts.push(creditsSection(report));
  if (meta.truth) parts.push(truthSection(meta.truth));

  parts.push(`<section><h2>Availability per building</h2>${availabilityChart(report)}`);
  parts.push('<table><thead><tr><th>site</th><th>building</th><th class="n">devices</th><th class="n">critical</th><th class="n">agreed_ms</th><th class="n">downtime_ms</th><th class="n">excluded_ms</th><th class="n">availability</th><th class="n">rule availability</th><th class="n">device outages</th><th class="n">longest</th><th class="n">building outages</th><th class="n">longest</th></tr></thead><tbody>');
  for (const b of report.buildings) parts.push(buildingRow(b));
  parts.push('</tbody></table>');
  parts.push('<p class="note">agreed_ms: service hours in the site\'s local time minus maintenance windows, from each device\'s first birth. downtime_ms: time OFFLINE (and UNREACHABLE, unless the contract counts it as unknown) inside agreed time, minus exclusions. Device outages: down episodes with counted downtime; building outages: episodes of the building-down rule.</p></section>');

  parts.push(`<section><h2>Incidents by priority</h2>${incidentsChart(report)}`);
  parts.push('<table><thead><tr><th>priority</th><th class="n">count</th><th class="n">open at end</th><th class="n">MTTA mean</th><th class="n">MTTA p50</th><th class="n">MTTA max</th><th class="n">MTTR mean</th><th class="n">MTTR p50</th><th class="n">MTTR max</th><th class="n">response</th><th class="n">resolution</th><th class="n">targets</th></tr></thead><tbody>');
  for (const q of inc.by_priority) {
    parts.push(
      `<tr><td>${e(q.priority)}</td><td class="n">${q.count}</td><td class="n">${q.open_at_end}</td><td class="n">${e(duration(q.mtta.n ? q.mtta.mean_ms : null))}</td><td class="n">${e(duration(q.mtta.n ? q.mtta.p50_ms : null))}</td><td class="n">${e(duration(q.mtta.n ? q.mtta.max_ms : null))}</td>` +
        `<td class="n">${e(duration(q.mttr.n ? q.mttr.mean_ms : null))}</td><td class="n">${e(duration(q.mttr.n ? q.mttr.p50_ms : null))}</td><td class="n">${e(duration(q.mttr.n ? q.mttr.max_ms : null))}</td>` +
        `<td class="n">${e(`${q.response.met}/${q.response.met + q.response.breached}`)}</td><td class="n">${e(`${q.resolution.met}/${q.resolution.met + q.resolution.breached}`)}</td><td class="n">${e(`${duration(q.response_target_ms)} / ${duration(q.resolution_target_ms)}`)}</td></tr>`,
    );
  }
  parts.push('</tbody></table>');
  parts.push('<p class="note">MTTA = acknowledged − opened; MTTR = resolved − opened; mean, nearest-rank median (p50) and max over the incidents acknowledged / resolved by period end. Response met when acknowledged (or resolved) ≤ response_due; resolution met when resolved ≤ resolution_due; an open incident breaches only once past due at period end.</p>');
  if (inc.list.length > 0) {
    parts.push('<table><thead><tr><th>incident</th><th>priority</th><th>cause</th><th>scope</th><th>opened (site-local, UTC)</th><th class="n">TTA</th><th class="n">TTR</th><th>response</th><th>resolution</th><th>status at end</th></tr></thead><tbody>');
    const tz = new Map(report.sites.map((x) => [x.id, x.timezone]));
    for (const i of inc.list) parts.push(incidentRow(i, tz.get(i.site)));
    parts.push('</tbody></table>');
  }
  parts.push('</section>');

  parts.push(`<section><h2>Patch coverage per model</h2>${patchChart(report)}</section>`);

  parts.push('<section><h2>Error budget and burn rates</h2><table><thead><tr><th>window (ending at period end)</th><th class="n">agreed_ms</th><th class="n">down_ms</th><th class="n">burn rate</th></tr></thead><tbody>');
  for (const b of eb.burn) parts.push(`<tr><td>${e(b.window)}</td><td class="n">${b.agreed_ms}</td><td class="n">${b.down_ms}</td><td class="n">${e(b.burn_rate.toFixed(3))}×</td></tr>`);
  parts.push('</tbody></table><table><thead><tr><th>rule</th><th>long / short window</th><th class="n">threshold</th><th>firing</th></tr></thead><tbody>');
  for (const a of eb.alerts) parts.push(`<tr><td>${e(a.rule)}</td><td>${e(`${a.long} / ${a.short}`)}</td><td class="n">${e(a.threshold)}×</td><td class="${a.firing ? 'bad' : 'ok'}">${a.firing ? 'yes' : 'no'}</td></tr>`);
  parts.push('</tbody></table><p class="note">burn = (down_ms / agreed_ms in the window) / (1 − target). Page when 1 h and 5 min both exceed 14.4×, or 6 h and 30 min both exceed 6×; ticket when 3 d and 6 h both exceed 1× (SRE multi-window, multi-burn-rate alerting).</p></section>');

  if (meta.costs) parts.push(costsSection(meta.costs));

  if (top_devices.length > 0) {
    const units = meta.units ?? new Map<string, string>();
    parts.push('<section><h2>Devices with downtime</h2><table><thead><tr><th>device</th><th>building</th><th>kind</th><th class="n">agreed_ms</th><th class="n">downtime_ms</th><th class="n">excluded_ms</th><th class="n">availability</th><th class="n">outages</th><th class="n">longest</th></tr></thead><tbody>');
    for (const d of top_devices) parts.push(`<tr><td>${e(d.id)}</td><td>${e(`${d.site} / ${d.building}${units.has(d.id) ? ` / unit ${units.get(d.id)!}` : ''}`)}</td><td>${e(d.kind)}</td><td class="n">${d.agreed_ms}</td><td class="n">${d.downtime_ms}</td><td class="n">${d.excluded_ms}</td><td class="n">${e(pct(d.availability))}</td><td class="n">${d.outage_count}</td><td class="n">${e(duration(d.longest_outage_ms))}</td></tr>`);
    parts.push(`</tbody></table><p class="note">Up to 50 devices, most downtime first; every device is in ledger.csv and, with its down intervals and exclusions, in report.json devices[].entries.</p></section>`);
  }
  parts.push('</main></body></html>\n');
  return parts.join('\n');
}
