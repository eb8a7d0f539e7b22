/**
 * The fidelity report (`msp-twin inspect`): one self-contained HTML page of SVG charts showing how
 * a zone, or one device, behaved during a run, drawn the way a building engineer reads a BMS trend
 * log — zone temperature against both setpoints and the outdoor air, HVAC output and supply air,
 * occupancy and lighting, humidity, battery and radio. Everything plotted is what the devices
 * reported (trace.jsonl) except the outdoor air, which no device reports: it comes from the run's
 * world.json (the simulator's own weather, sampled hourly). No scripts, nothing fetched.
 */
import type { DeviceSeries, StateChange } from './device-series.ts';
import { escapeXml as e, lineChart, type Lane, type LaneSegment, type Point, type Series } from './svg-chart.ts';
import type { WorldDevice, WorldDoc, WorldSite, WorldZone } from './world-doc.ts';
import { localTime } from '../../platform/contract/local-time.ts';

export interface FidelityTarget {
  /** What the page is about: a zone, or a single device (shown in its zone's context). */
  kind: 'zone' | 'device';
  zone: WorldZone;
  site: WorldSite;
  devices: readonly WorldDevice[];
}

export interface FidelityMeta {
  trace_hash?: string | undefined;
}

// Device colours (Tableau 10, readable on white and distinct for the common colour-vision deficiencies
// when paired with dashes); semantic colours for setpoints and outdoor air.
const PALETTE = ['#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#9c755f', '#edc948', '#ff9da7', '#4e79a7', '#bab0ac', '#e15759'];
const HEAT = '#c8463d';
const COOL = '#2f6db5';
const OUTDOOR = '#8a8f96';
const MODE_COLORS: Record<string, string> = { heat: '#e8837b', cool: '#7fb0e6', auto: '#8cc9a0', off: '#d5d9de' };
const OCCUPIED = '#f2b25c';
const DOOR_OPEN = '#b07aa1';
const UNLOCKED = '#e0c3da';
const FAULT = '#c8463d';
const POWER_OFF = '#5c6b7a';

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f6f7f9;color:#1d2733;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:20px}
h1{font-size:21px;margin:0 0 4px}
h2{font-size:16px;margin:0 0 6px;color:#1f4e79}
.sub{color:#5c6b7a;margin:0 0 14px}
section{background:#fff;border:1px solid #d9dee5;border-radius:8px;padding:12px 14px;margin:0 0 14px}
.note{color:#5c6b7a;font-size:12px;margin:4px 0 0}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{padding:4px 7px;border-bottom:1px solid #d9dee5;text-align:left}
th{background:#f6f7f9;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:12px;background:#f6f7f9;padding:0 3px;border-radius:3px}
`;

/** `tower-f01-hvac-001` in its floor's page reads `hvac-001`. */
function shortId(d: WorldDevice): string {
  return d.id.startsWith(`${d.floor_id}-`) ? d.id.slice(d.floor_id.length + 1) : d.id;
}

/** A gap longer than this between two reports is drawn as a gap: the heartbeat missed twice. */
function maxGap(d: WorldDevice): number {
  return 2 * d.heartbeat_ms + 5 * 60_000;
}

function outdoorPoints(site: WorldSite, key: 'temperature_c' | 'humidity_pct', start_ms: number, end_ms: number): Point[] {
  const o = site.outdoor;
  const pts: Point[] = [];
  o[key].forEach((v, i) => {
    const t = o.t0_ms + i * o.step_ms;
    if (t >= start_ms - o.step_ms && t <= end_ms + o.step_ms) pts.push([t, v]);
  });
  return pts;
}

/** Periods where a 0/1 series is 1 (an occupancy sensor's "occupied"), as lane segments. */
function onPeriods(points: readonly Point[] | undefined, end_ms: number, color: string, label: string): LaneSegment[] {
  const out: LaneSegment[] = [];
  let from: number | undefined;
  for (const [t, v] of points ?? []) {
    if (v === 1 && from === undefined) from = t;
    else if (v !== 1 && from !== undefined) {
      out.push({ from_ms: from, to_ms: t, color, label });
      from = undefined;
    }
  }
  if (from !== undefined) out.push({ from_ms: from, to_ms: end_ms, color, label });
  return out;
}

/** Periods of each reported state (an HVAC mode), coloured by value. */
function statePeriods(changes: readonly StateChange[] | undefined, end_ms: number, colors: Record<string, string>, prefix: string): LaneSegment[] {
  const list = changes ?? [];
  return list.map((c, i) => ({ from_ms: c.t_ms, to_ms: list[i + 1]?.t_ms ?? end_ms, color: colors[c.value] ?? '#bab0ac', label: `${prefix}${c.value}` }));
}

/** `2026-03-10 08:00` on the site's clock. */
function localStampIn(timezone: string): (ms: number) => string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return (ms) => {
    const l = localTime(timezone, ms);
    return `${l.year}-${p2(l.month)}-${p2(l.day)} ${p2(l.hour)}:${p2(l.minute)}`;
  };
}

/** Faults injected into a device and the periods it had no power, as one lane. */
function troubleLane(d: WorldDevice, s: DeviceSeries, end_ms: number): Lane | null {
  const segs: LaneSegment[] = [];
  const open = new Map<string, number>();
  for (const f of s.faults) {
    if (f.phase === 'start') open.set(f.kind, f.t_ms);
    else if (open.has(f.kind)) {
      segs.push({ from_ms: open.get(f.kind)!, to_ms: f.t_ms, color: FAULT, label: `fault ${f.kind}` });
      open.delete(f.kind);
    }
  }
  for (const [kind, from] of open) segs.push({ from_ms: from, to_ms: end_ms, color: FAULT, label: `fault ${kind} (to the end)` });
  let off: { t: number; why: string } | undefined;
  for (const p of s.power) {
    if (p.value !== 'online' && off === undefined) off = { t: p.t_ms, why: p.value };
    else if (p.value === 'online' && off !== undefined) {
      segs.push({ from_ms: off.t, to_ms: p.t_ms, color: POWER_OFF, label: `power ${off.why}` });
      off = undefined;
    }
  }
  if (off !== undefined) segs.push({ from_ms: off.t, to_ms: end_ms, color: POWER_OFF, label: `power ${off.why} (to the end)` });
  return segs.length > 0 ? { label: `${shortId(d)} faults`, segments: segs } : null;
}

interface Section {
  title: string;
  svg: string | null;
  note: string;
  /** Said instead of the plot when no device of the target reports the section's values. */
  empty?: string;
}

/** Who conditions a zone without a controller of its own (world.json's served_by), or nobody. */
function servingNote(world: WorldDoc, zone: WorldZone): string | undefined {
  if (zone.served_by === undefined) return undefined;
  if (zone.served_by === null) return 'No HVAC controller on this floor: the zone floats with the weather.';
  const lead = world.zones.find((z) => z.id === zone.served_by);
  const unit = world.devices.find((d) => d.kind === 'hvac' && d.zone_id === zone.served_by);
  if (lead === undefined || unit === undefined) return undefined;
  return `No device in this zone reports this. The zone is served by the floor's unit, controlled by ${unit.id} in ${lead.name} (${lead.id}); its output is on that zone's page.`;
}

export function renderFidelityPage(world: WorldDoc, target: FidelityTarget, data: ReadonlyMap<string, DeviceSeries>, meta: FidelityMeta = {}): string {
  const { zone, site } = target;
  const tz = site.timezone;
  const stamp = localStampIn(tz);
  const start = world.start_ms;
  const end = world.end_ms;
  const color = new Map(target.devices.map((d, i) => [d.id, PALETTE[i % PALETTE.length]!]));
  const withKey = (key: string): Array<{ d: WorldDevice; pts: Point[] }> =>
    target.devices.flatMap((d) => {
      const pts = data.get(d.id)?.numbers.get(key);
      return pts && pts.length > 0 ? [{ d, pts }] : [];
    });
  const base = { start_ms: start, end_ms: end, timezone: tz };
  const sections: Section[] = [];
  const hvacs = target.devices.filter((d) => d.kind === 'hvac');
  const modeLanes = (): Lane[] =>
    hvacs.flatMap((d) => {
      const changes = data.get(d.id)?.states.get('mode');
      return changes && changes.length > 0 ? [{ label: `${shortId(d)} mode`, segments: statePeriods(changes, end, MODE_COLORS, `${shortId(d)} mode `) }] : [];
    });
  const modeLegend: Array<[string, string]> = Object.entries(MODE_COLORS).map(([k, c]) => [`mode ${k}`, c]);
  const troubles = target.devices.flatMap((d) => {
    const s = data.get(d.id);
    const lane = s ? troubleLane(d, s, end) : null;
    return lane ? [lane] : [];
  });
  const troubleLegend: Array<[string, string]> = troubles.length > 0 ? [['fault injected', FAULT], ['no power', POWER_OFF]] : [];

  // 1. Temperature: what the thermostat reads, both setpoints, the room sensors, the outdoor air.
  {
    const series: Series[] = [];
    for (const { d, pts } of withKey('zone_temp_c')) series.push({ name: `zone temp, thermostat (${shortId(d)})`, color: color.get(d.id)!, points: pts, step: true, max_gap_ms: maxGap(d), stroke_width: 2 });
    for (const { d, pts } of withKey('heat_setpoint_c')) series.push({ name: `heating setpoint (${shortId(d)})`, color: HEAT, points: pts, step: true, dash: '7 4', max_gap_ms: maxGap(d) });
    for (const { d, pts } of withKey('cool_setpoint_c')) series.push({ name: `cooling setpoint (${shortId(d)})`, color: COOL, points: pts, step: true, dash: '7 4', max_gap_ms: maxGap(d) });
    for (const { d, pts } of withKey('temperature_c')) {
      series.push({ name: `${d.kind === 'leak' ? 'floor temp, leak sensor' : 'room temp'} (${shortId(d)})`, color: color.get(d.id)!, points: pts, step: true, max_gap_ms: maxGap(d), stroke_width: d.kind === 'leak' ? 1 : 1.6 });
    }
    const room = series.length;
    series.push({ name: 'outdoor air', color: OUTDOOR, points: outdoorPoints(site, 'temperature_c', start, end), stroke_width: 1.4, dash: '2 3' });
    sections.push({
      title: 'Zone temperature',
      svg: room > 0 ? lineChart({ ...base, title: `Temperature — ${zone.name}`, left: { label: '°C' }, series, lanes: [...modeLanes(), ...troubles], lane_legend: [...(hvacs.length ? modeLegend : []), ...troubleLegend] }) : null,
      note:
        (hvacs.length > 0 ? 'Thermostat reading (its own sensor, offset from the room by a few tenths) and the heating and cooling setpoints as the controller reported them; ' : '') +
        `${hvacs.length > 0 ? 'room' : 'Room'} and floor sensors as reported, and the outdoor air (world.json, hourly). ` +
        'Values hold until the next report (devices report on change or heartbeat); a blank stretch is a device that went silent for over two heartbeats.',
    });
  }
  // 2. HVAC output (+ heating, − cooling) and supply air.
  {
    const series: Series[] = [];
    for (const { d, pts } of withKey('output_pct')) series.push({ name: `output (${shortId(d)})`, color: color.get(d.id)!, points: pts, step: true, max_gap_ms: maxGap(d), stroke_width: 2 });
    for (const { d, pts } of withKey('supply_temp_c')) series.push({ name: `supply air (${shortId(d)})`, color: PALETTE[(target.devices.indexOf(d) + 3) % PALETTE.length]!, points: pts, step: true, max_gap_ms: maxGap(d), axis: 'right' });
    const has_supply = series.some((s) => s.axis === 'right');
    const serving = hvacs.length === 0 && target.kind === 'zone' ? servingNote(world, zone) : undefined;
    sections.push({
      title: 'HVAC output and supply air',
      ...(serving !== undefined ? { empty: serving } : {}),
      svg: series.length > 0
        ? lineChart({ ...base, title: `HVAC output and supply air — ${zone.name}`, left: { label: 'output % (+ heat, − cool)', min: -100, max: 100 }, ...(has_supply ? { right: { label: 'supply air °C' } } : {}), series, zero_line: true, lanes: modeLanes(), lane_legend: hvacs.length ? modeLegend : [] })
        : null,
      note: `Output is the controller's command: positive heating, negative cooling, 0 idle. ${has_supply ? 'Supply air is the discharge temperature (12.8–35 °C while running, room temperature while idle). ' : 'This model reports no supply-air temperature. '}The lane under the plot is the reported mode.`,
    });
  }
  // 3. Occupancy and lighting.
  {
    const series: Series[] = [];
    for (const { d, pts } of withKey('level_pct')) series.push({ name: `light level (${shortId(d)})`, color: color.get(d.id)!, points: pts, step: true, max_gap_ms: maxGap(d) });
    for (const { d, pts } of withKey('people_count')) series.push({ name: `people counted (${shortId(d)})`, color: color.get(d.id)!, points: pts, step: true, max_gap_ms: maxGap(d), axis: 'right', stroke_width: 2 });
    const lanes: Lane[] = [];
    for (const { d, pts } of withKey('occupied')) lanes.push({ label: `${shortId(d)} occ.`, segments: onPeriods(pts, end, OCCUPIED, `${shortId(d)} occupied`) });
    for (const d of target.devices.filter((x) => x.kind === 'lock')) {
      const st = data.get(d.id)?.states;
      const door = statePeriods(st?.get('door'), end, { open: DOOR_OPEN, closed: 'transparent' }, 'door ').filter((s) => s.color !== 'transparent');
      const unlocked = onPeriods(data.get(d.id)?.numbers.get('locked')?.map(([t, v]) => [t, 1 - v] as const), end, UNLOCKED, 'unlocked');
      if (door.length + unlocked.length > 0 || (st?.get('door')?.length ?? 0) > 0) lanes.push({ label: `${shortId(d)}`, segments: [...unlocked, ...door] });
    }
    const has_people = series.some((s) => s.axis === 'right');
    const legendLanes: Array<[string, string]> = [
      ...(withKey('occupied').length ? [['occupied (sensor)', OCCUPIED] as [string, string]] : []),
      ...(target.devices.some((d) => d.kind === 'lock') ? [['unlocked', UNLOCKED] as [string, string], ['door open', DOOR_OPEN] as [string, string]] : []),
    ];
    sections.push({
      title: 'Occupancy and lighting',
      svg: series.length + lanes.length > 0
        ? lineChart({ ...base, title: `Occupancy and lighting — ${zone.name}`, left: { label: 'light level %', min: 0, max: 100 }, ...(has_people ? { right: { label: 'people', min: 0, integer: true } } : {}), series, lanes, lane_legend: legendLanes })
        : null,
      note: `Lanes: when each occupancy sensor reported the zone occupied (PIRs hold 10 min after the last motion, radars 2 min), and when each door was unlocked or open. Lines: lighting nodes' level (on while occupied plus a 15-minute hold, dimmed by daylight near windows). Zone capacity ${zone.capacity_people} people.`,
    });
  }
  // 4. Humidity.
  {
    const series: Series[] = [];
    for (const { d, pts } of withKey('humidity_pct')) series.push({ name: `room RH (${shortId(d)})`, color: color.get(d.id)!, points: pts, step: true, max_gap_ms: maxGap(d), stroke_width: 2 });
    const room = series.length;
    series.push({ name: 'outdoor RH', color: OUTDOOR, points: outdoorPoints(site, 'humidity_pct', start, end), dash: '2 3', stroke_width: 1.4 });
    sections.push({
      title: 'Humidity',
      svg: room > 0 ? lineChart({ ...base, title: `Relative humidity — ${zone.name}`, left: { label: 'RH %', min: 0, max: 100 }, series }) : null,
      note: 'Room relative humidity as reported, and the outdoor air\'s (world.json). Cold outdoor air heated indoors is dry; the room\'s vapour comes from outside air and the people in it.',
    });
  }
  // 5. Battery and radio.
  {
    const bat = withKey('battery_pct').map(({ d, pts }): Series => ({ name: `battery (${shortId(d)})`, color: color.get(d.id)!, points: pts, step: true, max_gap_ms: maxGap(d), stroke_width: 2 }));
    sections.push({
      title: 'Battery',
      svg: bat.length > 0 ? lineChart({ ...base, title: `Battery — ${zone.name}`, left: { label: 'battery % (axis zoomed to the data)' }, series: bat }) : null,
      note: 'Battery percentage as firmware reports it: derived from cell voltage, never reported higher than before. The axis is zoomed to the data, so a one-point fall is visible.',
    });
    const rssi = withKey('rssi_dbm').map(({ d, pts }): Series => ({ name: `RSSI (${shortId(d)})`, color: color.get(d.id)!, points: pts, max_gap_ms: maxGap(d) }));
    sections.push({
      title: 'Radio',
      svg: rssi.length > 0 ? lineChart({ ...base, title: `Radio signal strength — ${zone.name}`, left: { label: 'RSSI dBm' }, series: rssi }) : null,
      note: 'Received signal strength of each battery device\'s reports at its parent (points joined by lines). Slow shadowing, dips when the zone is full, and the occasional deep fade; reports lost to the radio leave gaps.',
    });
  }

  const heading = target.kind === 'zone' ? `Zone ${zone.id} — ${zone.name}` : `Device ${target.devices[0]!.id}`;
  const period = `${stamp(start)} → ${stamp(end)} ${tz}`;
  const rows = target.devices
    .map((d) => {
      const s = data.get(d.id);
      const faults = s?.faults.filter((f) => f.phase === 'start').map((f) => f.kind) ?? [];
      return `<tr><td><code>${e(d.id)}</code></td><td>${e(d.kind)}</td><td>${e(d.model)}</td><td class="n">${s?.reports ?? 0}</td><td class="n">${s?.events.length ?? 0}</td><td>${e(faults.join(', ') || '—')}</td></tr>`;
    })
    .join('');
  const parts: string[] = [];
  parts.push('<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">');
  parts.push(`<title>${e(`${heading} — ${world.scenario}`)}</title><style>${CSS}</style></head><body><main>`);
  parts.push(`<h1>${e(heading)}</h1>`);
  parts.push(
    `<p class="sub">${e(`${zone.building_name} (${zone.building_type}), ${site.name} — ${site.metro}; zone ${zone.id}, ${zone.area_m2} m², up to ${zone.capacity_people} people. ` +
      `Scenario ${world.scenario}, seed ${world.seed}, ${period}.`)}${meta.trace_hash ? ` Trace <code>${e(meta.trace_hash.slice(0, 16))}</code>.` : ''}</p>`,
  );
  parts.push(`<section><h2>Devices</h2><table><tr><th>device</th><th>kind</th><th>model</th><th class="n">reports</th><th class="n">events</th><th>faults</th></tr>${rows}</table></section>`);
  for (const s of sections) {
    if (s.svg === null && target.kind === 'device') continue;
    parts.push(`<section id="${s.title.toLowerCase().replace(/[^a-z]+/g, '-')}"><h2>${e(s.title)}</h2>${s.svg ?? `<p class="note">${e(s.empty ?? `No ${target.kind === 'zone' ? 'device in this zone' : 'device'} reports this.`)}</p>`}${s.svg ? `<p class="note">${e(s.note)}</p>` : ''}</section>`);
  }
  parts.push('<p class="note">Made by <code>msp-twin inspect</code> from trace.jsonl (what the devices reported) and world.json (the site\'s outdoor air, which no device reports).</p>');
  parts.push('</main></body></html>\n');
  return parts.join('');
}
