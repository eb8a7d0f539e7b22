/**
 * A small SVG time-series chart for self-contained HTML pages (no scripts, no fonts fetched, no
 * charting library): one or two y axes, local-time ticks on the x axis, a legend, and optional
 * state lanes under the plot (an occupancy sensor's occupied periods, an HVAC unit's mode). Series
 * are drawn as trend logs are: a device reports on change or on its heartbeat, so a value holds
 * until the next report (`step`), and a gap longer than `max_gap_ms` is left blank rather than
 * bridged with a line the device never reported.
 *
 * The plot carries its scales as data attributes (`data-t0`, `data-t1`, `data-left`, `data-right`,
 * `data-plot`) so a test, or a person with the page source, can turn a point back into a value.
 */
import { localTime } from '../../platform/contract/local-time.ts';
import { MS_PER_DAY, MS_PER_HOUR } from '../../common/time.ts';

export type Point = readonly [t_ms: number, value: number];

export interface Series {
  name: string;
  color: string;
  points: readonly Point[];
  /** Hold each value until the next point (reports on change); false joins points with lines. */
  step?: boolean;
  /** SVG stroke-dasharray, e.g. "6 4" for setpoints. */
  dash?: string;
  stroke_width?: number;
  axis?: 'left' | 'right';
  /** A gap between points longer than this breaks the line (the device was silent). */
  max_gap_ms?: number;
}

export interface LaneSegment {
  from_ms: number;
  to_ms: number;
  color: string;
  label: string;
}

/** A row of coloured periods under the plot: a state that is on or off, or one of a few modes. */
export interface Lane {
  label: string;
  segments: readonly LaneSegment[];
}

export interface Axis {
  label: string;
  /** Fixed bounds; otherwise from the data, widened to nice ticks. */
  min?: number;
  max?: number;
  /** Counts (people): whole-number ticks only. */
  integer?: boolean;
}

export interface ChartSpec {
  title: string;
  start_ms: number;
  end_ms: number;
  /** IANA timezone of the tick labels (the site's). */
  timezone: string;
  left: Axis;
  right?: Axis;
  series: readonly Series[];
  lanes?: readonly Lane[];
  /** Legend entries for lane colours (label → colour), shown after the series'. */
  lane_legend?: ReadonlyArray<readonly [string, string]>;
  /** A horizontal reference line on the left axis (e.g. 0 % output). */
  zero_line?: boolean;
}

const WIDTH = 1100;
const MARGIN_LEFT = 104;
const MARGIN_RIGHT = 64;
const PLOT_H = 230;
const LANE_H = 14;
const LANE_GAP = 3;
const LEGEND_ROW_H = 18;
const INK = '#1d2733';
const MUTED = '#5c6b7a';
const GRID = '#e3e7ec';
const AXIS = '#9aa5b1';
/** Above this many points per pixel column a series is reduced to each column's first, min, max and last. */
const POINTS_PER_COLUMN = 4;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round tick step (1, 2, 2.5, 5 × 10^k) giving about `count` intervals over the span. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

/** An axis's bounds and ticks from its values: fixed bounds win; otherwise widened to whole ticks. */
export function axisTicks(values: readonly number[], axis: Axis): { min: number; max: number; ticks: number[] } {
  let lo = axis.min ?? Math.min(...values);
  let hi = axis.max ?? Math.max(...values);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
  const step = axis.integer ? Math.max(1, Math.round(niceStep(hi - lo, 5))) : niceStep(hi - lo, 5);
  const min = axis.min ?? Math.floor(lo / step) * step;
  const max = axis.max ?? Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + 1e-9; v += step) ticks.push(Number(v.toFixed(6)));
  return { min, max, ticks };
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface TimeTick {
  t_ms: number;
  label: string;
  /** Local midnight: drawn stronger, labelled with the date. */
  major: boolean;
}

/**
 * Ticks on whole local hours (every 1, 2, 3, 6 or 12 h) or local midnights (every 1, 2 or 7 days),
 * the finest that leaves about 90 px per label. Walks UTC hours and keeps the local whole hours, so
 * a DST change moves the ticks with the wall clock, as the site's people read it.
 */
export function timeTicks(start_ms: number, end_ms: number, timezone: string, plot_w: number): TimeTick[] {
  const max_ticks = Math.max(2, Math.floor(plot_w / 90));
  const span_h = (end_ms - start_ms) / MS_PER_HOUR;
  const hour_steps = [1, 2, 3, 6, 12];
  const every_h = hour_steps.find((h) => span_h / h <= max_ticks);
  const every_d = every_h === undefined ? ([1, 2, 7, 14, 28].find((d) => span_h / 24 / d <= max_ticks) ?? 28) : 0;
  const ticks: TimeTick[] = [];
  for (let t = Math.ceil(start_ms / MS_PER_HOUR) * MS_PER_HOUR; t <= end_ms; t += MS_PER_HOUR) {
    const l = localTime(timezone, t);
    if (l.minute !== 0) continue; // half-hour zones: their whole hours are not UTC's
    const midnight = l.hour === 0;
    const day_index = Math.floor((t + l.offset_min * 60_000) / MS_PER_DAY);
    const keep = every_h !== undefined ? l.hour % every_h === 0 : midnight && day_index % every_d === 0;
    if (!keep) continue;
    const date = `${WEEKDAYS[l.weekday]} ${l.day} ${MONTHS[l.month - 1]}`;
    ticks.push({ t_ms: t, major: midnight, label: midnight ? date : `${String(l.hour).padStart(2, '0')}:00` });
  }
  return ticks;
}

/** Keeps the shape of a dense series at the plot's resolution: first, min, max, last per pixel column. */
function decimate(points: readonly Point[], x: (t: number) => number, plot_w: number): readonly Point[] {
  if (points.length <= plot_w * POINTS_PER_COLUMN) return points;
  const out: Point[] = [];
  let column = Number.NaN;
  let bucket: Point[] = [];
  const flush = (): void => {
    if (bucket.length === 0) return;
    const first = bucket[0]!;
    const last = bucket[bucket.length - 1]!;
    let lo = first;
    let hi = first;
    for (const p of bucket) {
      if (p[1] < lo[1]) lo = p;
      if (p[1] > hi[1]) hi = p;
    }
    const keep = [first, lo, hi, last].sort((a, b) => a[0] - b[0]);
    for (const p of keep) if (out[out.length - 1] !== p) out.push(p);
    bucket = [];
  };
  for (const p of points) {
    const c = Math.floor(x(p[0]));
    if (c !== column) {
      flush();
      column = c;
    }
    bucket.push(p);
  }
  flush();
  return out;
}

/** Pieces of a series between gaps, as SVG polyline point lists. */
function polylines(series: Series, x: (t: number) => number, y: (v: number) => number, end_ms: number, plot_w: number): string[] {
  const pts = decimate(series.points, x, plot_w);
  const pieces: string[] = [];
  let current: string[] = [];
  const max_gap = series.max_gap_ms ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < pts.length; i++) {
    const [t, v] = pts[i]!;
    const prev = pts[i - 1];
    if (prev !== undefined && t - prev[0] > max_gap) {
      if (series.step) current.push(`${x(Math.min(prev[0] + max_gap, t)).toFixed(1)},${y(prev[1]).toFixed(1)}`);
      if (current.length > 1) pieces.push(current.join(' '));
      current = [];
    } else if (prev !== undefined && series.step) {
      current.push(`${x(t).toFixed(1)},${y(prev[1]).toFixed(1)}`);
    }
    current.push(`${x(t).toFixed(1)},${y(v).toFixed(1)}`);
  }
  const last = pts[pts.length - 1];
  // A held value runs on to the end of the run (or until its gap limit).
  if (series.step && last !== undefined) current.push(`${x(Math.min(end_ms, last[0] + max_gap)).toFixed(1)},${y(last[1]).toFixed(1)}`);
  if (current.length > 1) pieces.push(current.join(' '));
  return pieces;
}

function fmtTick(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 2 : 1).replace(/0$/, '');
}

/** Legend rows: each entry a swatch and its label, wrapped to the chart width. */
function legend(entries: ReadonlyArray<{ label: string; color: string; dash?: string | undefined; kind: 'line' | 'box' }>, top: number): { svg: string; height: number } {
  const out: string[] = [];
  let x = MARGIN_LEFT;
  let row = 0;
  for (const e of entries) {
    const w = 26 + e.label.length * 6.4 + 14;
    if (x + w > WIDTH - MARGIN_RIGHT && x > MARGIN_LEFT) {
      row++;
      x = MARGIN_LEFT;
    }
    const y = top + row * LEGEND_ROW_H + 9;
    out.push(
      e.kind === 'line'
        ? `<line x1="${x}" y1="${y}" x2="${x + 20}" y2="${y}" stroke="${e.color}" stroke-width="2.5"${e.dash ? ` stroke-dasharray="${e.dash}"` : ''}/>`
        : `<rect x="${x + 4}" y="${y - 5}" width="12" height="10" fill="${e.color}"/>`,
    );
    out.push(`<text x="${x + 26}" y="${y + 4}" font-size="11.5" fill="${INK}">${escapeXml(e.label)}</text>`);
    x += w;
  }
  return { svg: out.join(''), height: entries.length === 0 ? 0 : (row + 1) * LEGEND_ROW_H + 6 };
}

/** The chart as one `<svg>` element; its width scales with the page (viewBox). */
export function lineChart(spec: ChartSpec): string {
  const plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
  const has_plot = spec.series.length > 0;
  const lanes = spec.lanes ?? [];
  const title_h = 22;
  const leg = legend(
    [
      ...spec.series.map((s) => ({ label: s.axis === 'right' ? `${s.name} (right axis)` : s.name, color: s.color, dash: s.dash, kind: 'line' as const })),
      ...(spec.lane_legend ?? []).map(([label, color]) => ({ label, color, kind: 'box' as const })),
    ],
    title_h,
  );
  const plot_top = title_h + leg.height + 6;
  const plot_h = has_plot ? PLOT_H : 0;
  const lanes_top = plot_top + plot_h + (has_plot ? 8 : 0);
  const lanes_h = lanes.length * (LANE_H + LANE_GAP);
  const axis_y = lanes_top + lanes_h;
  const height = axis_y + 34;
  const x0 = MARGIN_LEFT;
  const t0 = spec.start_ms;
  const t1 = Math.max(spec.end_ms, t0 + 1);
  const x = (t: number): number => x0 + ((Math.min(t1, Math.max(t0, t)) - t0) / (t1 - t0)) * plot_w;

  const values = (axis: 'left' | 'right'): number[] => spec.series.filter((s) => (s.axis ?? 'left') === axis).flatMap((s) => s.points.map((p) => p[1]));
  const left = axisTicks(values('left'), spec.left);
  const right = spec.right ? axisTicks(values('right'), spec.right) : undefined;
  const yOf = (a: { min: number; max: number }) => (v: number): number => plot_top + plot_h - ((v - a.min) / (a.max - a.min)) * plot_h;
  const yl = yOf(left);
  const yr = right ? yOf(right) : yl;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeXml(spec.title)}" viewBox="0 0 ${WIDTH} ${height}" width="100%" font-family="system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif">`,
  );
  out.push(`<text x="${x0}" y="15" font-size="14" font-weight="600" fill="${INK}">${escapeXml(spec.title)}</text>`);
  out.push(leg.svg);
  const ticks = timeTicks(t0, t1, spec.timezone, plot_w);
  // Vertical grid through plot and lanes, labels under the lanes.
  for (const tk of ticks) {
    const tx = x(tk.t_ms).toFixed(1);
    out.push(`<line x1="${tx}" y1="${plot_top}" x2="${tx}" y2="${axis_y}" stroke="${tk.major ? AXIS : GRID}"${tk.major ? '' : ' stroke-dasharray="2 3"'}/>`);
    out.push(`<text x="${tx}" y="${axis_y + 14}" font-size="11" fill="${tk.major ? INK : MUTED}" text-anchor="middle"${tk.major ? ' font-weight="600"' : ''}>${escapeXml(tk.label)}</text>`);
  }
  out.push(`<text x="${WIDTH - MARGIN_RIGHT}" y="${axis_y + 29}" font-size="10.5" fill="${MUTED}" text-anchor="end">local time, ${escapeXml(spec.timezone)}</text>`);
  if (has_plot) {
    out.push(
      `<g class="plot" data-plot="${x0},${plot_top},${plot_w},${plot_h}" data-t0="${t0}" data-t1="${t1}" data-left="${left.min},${left.max}"${right ? ` data-right="${right.min},${right.max}"` : ''}>`,
    );
    out.push(`<rect x="${x0}" y="${plot_top}" width="${plot_w}" height="${plot_h}" fill="none" stroke="${AXIS}"/>`);
    for (const v of left.ticks) {
      const ty = yl(v).toFixed(1);
      out.push(`<line x1="${x0}" y1="${ty}" x2="${x0 + plot_w}" y2="${ty}" stroke="${GRID}"/>`);
      out.push(`<text x="${x0 - 6}" y="${(yl(v) + 4).toFixed(1)}" font-size="11" fill="${MUTED}" text-anchor="end">${fmtTick(v)}</text>`);
    }
    if (spec.zero_line && left.min < 0 && left.max > 0) out.push(`<line x1="${x0}" y1="${yl(0).toFixed(1)}" x2="${x0 + plot_w}" y2="${yl(0).toFixed(1)}" stroke="${AXIS}"/>`);
    if (right) {
      for (const v of right.ticks) out.push(`<text x="${x0 + plot_w + 6}" y="${(yr(v) + 4).toFixed(1)}" font-size="11" fill="${MUTED}">${fmtTick(v)}</text>`);
      const rx = x0 + plot_w + 50;
      out.push(`<text transform="translate(${rx},${plot_top + plot_h / 2}) rotate(90)" font-size="11.5" fill="${INK}" text-anchor="middle">${escapeXml(spec.right!.label)}</text>`);
    }
    out.push(`<text transform="translate(${x0 - 44},${plot_top + plot_h / 2}) rotate(-90)" font-size="11.5" fill="${INK}" text-anchor="middle">${escapeXml(spec.left.label)}</text>`);
    for (const s of spec.series) {
      const y = s.axis === 'right' ? yr : yl;
      for (const pts of polylines(s, x, y, t1, plot_w)) {
        out.push(
          `<polyline data-series="${escapeXml(s.name)}" data-axis="${s.axis ?? 'left'}" points="${pts}" fill="none" stroke="${s.color}" stroke-width="${s.stroke_width ?? 1.6}" stroke-linejoin="round"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
        );
      }
    }
    out.push('</g>');
  }
  lanes.forEach((lane, i) => {
    const ly = lanes_top + i * (LANE_H + LANE_GAP);
    out.push(`<text x="${x0 - 6}" y="${ly + 11}" font-size="10" fill="${INK}" text-anchor="end">${escapeXml(lane.label)}</text>`);
    out.push(`<rect x="${x0}" y="${ly}" width="${plot_w}" height="${LANE_H}" fill="#f6f7f9"/>`);
    for (const seg of lane.segments) {
      const sx = x(seg.from_ms);
      const w = Math.max(0.8, x(seg.to_ms) - sx);
      out.push(`<rect data-lane="${escapeXml(lane.label)}" x="${sx.toFixed(1)}" y="${ly}" width="${w.toFixed(1)}" height="${LANE_H}" fill="${seg.color}"><title>${escapeXml(seg.label)}</title></rect>`);
    }
  });
  out.push('</svg>');
  return out.join('');
}
