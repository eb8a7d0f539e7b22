/**
 * A building: its floors stacked (top floor on top), each drawn as a floor plan generated from the
 * topology — zones as rooms along a corridor, sized by floor area, tinted by temperature; devices
 * as icons in their room (locks on the room's door to the corridor, gateways in the corridor).
 * The floor view is this same scene with the camera on one floor and the others dimmed.
 */
import { Container, Graphics, Particle, ParticleContainer, Rectangle, Sprite, Texture, type Text } from 'pixi.js';
import { BIT, ST, STATUSES } from '../model/codes.ts';
import type { FleetState, IncidentRec } from '../model/fleet-state.ts';
import type { BuildingNode, FloorNode, Topology, ZoneNode } from '../model/topology.ts';
import type { Atlas, FrameName } from './atlas.ts';
import { MUTED, PRIORITY_COLOR, STATUS_COLOR, TEXT, WALL, fittedTemperatureRange, particleColor, temperatureColor, temperatureColorIn } from './palette.ts';
import { healthColor } from './portfolio-view.ts';
import type { FrameInfo, Hit, Rect, View } from './stage.ts';
import { label, legibleAt } from './text.ts';

const PITCH = 30;
const ICON = 20;
const ROOM_PAD = 14;
const ROOM_LABEL = 40;
const ROOM_MIN_H = 128;
const CORRIDOR = 52;
const FLOOR_TITLE = 46;
const FLOOR_GAP = 64;
const STACK_GAP = 90;
const SLOW_EVERY_MS = 400;
const DIM = 0.2;
/** Smallest on-screen text size: below it a label hides rather than turn into unreadable specks. */
const MIN_LABEL_PX = 10;

/** The default caption of an incident's outline; the app swaps in one that names the fault. */
export function defaultIncidentCaption(inc: IncidentRec): string {
  const kind = inc.scope.slice(0, inc.scope.indexOf(':'));
  return `${inc.pri} · ${kind} outage · ${inc.nd} device${inc.nd === 1 ? '' : 's'}`;
}

interface Room {
  zone: ZoneNode;
  x: number;
  y: number;
  w: number;
  h: number;
  fill: Sprite;
  temp: Text;
  name: Text;
  shown_temp: string;
}

interface FloorPlan {
  floor: FloorNode;
  x: number;
  y: number;
  w: number;
  h: number;
  root: Container;
  labels: Container;
  /** Devices of this floor: this.devices[first … first + count). */
  count: number;
  rooms: Room[];
  title: Text;
  summary: Text;
  chip: Graphics;
  shown_summary: string;
}

const KIND_FRAME: Record<string, FrameName> = { occupancy: 'occupancy', env: 'env', leak: 'leak', lock: 'lock', hvac: 'hvac', lighting: 'lighting', gateway: 'gateway' };
const PALETTE_FULL = STATUSES.map((s) => particleColor(STATUS_COLOR[s], 1));
const PALETTE_DIM = STATUSES.map((s) => particleColor(STATUS_COLOR[s], DIM));
const WARM = 0xffd27a;
/** Statuses in which a light may glow: not without power or connection (offline, unreachable, bricked). */
const LIT: readonly boolean[] = STATUSES.map((s) => s === 'online' || s === 'suspect' || s === 'warning' || s === 'updating' || s === 'rolled_back' || s === 'update_failed');

export function zoneTemperature(state: FleetState, zone: ZoneNode): number {
  return zoneReading(state, zone).t;
}

/** A zone's mean temperature, and whether every reading in it is old news (its devices unreachable, offline or bricked). */
export function zoneReading(state: FleetState, zone: ZoneNode): { t: number; stale: boolean } {
  let sum = 0;
  let n = 0;
  let live = 0;
  const reg = state.registry;
  for (const d of zone.devices) {
    const k = reg.info[d]?.kind;
    if (k !== 'env' && k !== 'hvac') continue;
    const v = state.c.val[d]!;
    if (!Number.isNaN(v)) {
      sum += v;
      n++;
      const s = state.c.status[d]!;
      if (s !== ST.unreachable && s !== ST.offline && s !== ST.bricked) live++;
    }
  }
  return { t: n > 0 ? sum / n : NaN, stale: n > 0 && live === 0 };
}

export class BuildingView implements View {
  readonly root = new Container();
  private readonly floors: FloorPlan[] = [];
  private readonly devices: number[] = [];
  private readonly px: Float32Array;
  private readonly py: Float32Array;
  private readonly icons: Particle[] = [];
  private readonly glows: Particle[] = [];
  private readonly icon_layer: ParticleContainer;
  private readonly glow_layer: ParticleContainer;
  private readonly floor_index: Int32Array;
  private readonly shown: Uint8Array;
  private readonly shown_bits: Int16Array;
  private readonly shown_glow: Float32Array;
  private readonly ring: Sprite;
  private readonly texts: Array<[Text, number]> = [];
  private focus: number = -1;
  private focus_dirty = true;
  private last_slow_ms = -Infinity;
  private last_zoom = -1;
  private bounds_rect: Rect = { x: 0, y: 0, w: 1, h: 1 };
  /** Open outage incidents: one Graphics for every outline and hatch, a few labels (never per device). */
  private readonly scope_gfx = new Graphics();
  private readonly scope_labels = new Container();
  private shown_scopes = '';
  incidentCaption: (inc: IncidentRec) => string = defaultIncidentCaption;
  /** The temperature range the zone colours span now (fitted to the building's readings; the legend shows it). */
  temp_range: [number, number] = [15, 29];

  constructor(
    readonly building: BuildingNode,
    _topo: Topology,
    private readonly state: FleetState,
    private readonly atlas: Atlas,
  ) {
    const n = state.registry.size;
    this.px = new Float32Array(n).fill(NaN);
    this.py = new Float32Array(n).fill(NaN);
    const planes = new Container();
    this.glow_layer = new ParticleContainer({ dynamicProperties: { position: false, color: true }, texture: atlas.glow });
    this.icon_layer = new ParticleContainer({ dynamicProperties: { position: false, color: true, uvs: true }, texture: atlas.dot });
    const labels = new Container();
    this.ring = new Sprite(atlas.ring);
    this.ring.anchor.set(0.5);
    this.ring.setSize(ICON * 1.9, ICON * 1.9);
    this.ring.visible = false;
    this.root.addChild(planes, this.scope_gfx, this.glow_layer, this.icon_layer, this.ring, labels, this.scope_labels);

    const floor_of: number[] = [];
    building.floors.forEach((floor, fi) => {
      const first = this.devices.length;
      const plan = this.layoutFloor(floor, planes, labels);
      this.floors.push(plan);
      for (let k = first; k < this.devices.length; k++) floor_of.push(fi);
    });
    this.bounds_rect = this.stack();
    this.floor_index = Int32Array.from(floor_of);
    const scale = ICON / (atlas.dot.frame.width + 2);
    const glow_scale = (ICON * 3.2) / (atlas.glow.frame.width + 2);
    for (const d of this.devices) {
      const icon = new Particle({ texture: atlas[KIND_FRAME[state.registry.info[d]?.kind ?? ''] ?? 'dot'], x: this.px[d]!, y: this.py[d]!, anchorX: 0.5, anchorY: 0.5, scaleX: scale, scaleY: scale });
      icon.color = PALETTE_FULL[ST.unknown]!;
      const glow = new Particle({ texture: atlas.glow, x: this.px[d]!, y: this.py[d]!, anchorX: 0.5, anchorY: 0.5, scaleX: glow_scale, scaleY: glow_scale });
      glow.color = particleColor(WARM, 0);
      this.icons.push(icon);
      this.glows.push(glow);
      this.icon_layer.particleChildren.push(icon);
      this.glow_layer.particleChildren.push(glow);
    }
    this.icon_layer.update();
    this.glow_layer.update();
    const b = new Rectangle(this.bounds_rect.x, this.bounds_rect.y, this.bounds_rect.w, this.bounds_rect.h);
    this.icon_layer.boundsArea = b;
    this.glow_layer.boundsArea = b;
    this.shown = new Uint8Array(this.devices.length).fill(255);
    this.shown_bits = new Int16Array(this.devices.length).fill(-1);
    this.shown_glow = new Float32Array(this.devices.length).fill(-1);
  }

  /**
   * Floors stacked top floor first; a tall building wraps into side-by-side stacks (column-major,
   * so each column still reads top to bottom) to use a wide screen instead of a sliver of it.
   */
  private stack(): Rect {
    const n = this.floors.length;
    if (n === 0) return { x: 0, y: 0, w: 1, h: 1 };
    const fw = Math.max(...this.floors.map((f) => f.w));
    const fh = Math.max(...this.floors.map((f) => f.h));
    let best = { k: 1, score: Infinity };
    for (let k = 1; k <= n; k++) {
      const rows = Math.ceil(n / k);
      const W = k * fw + (k - 1) * STACK_GAP;
      const H = rows * fh + (rows - 1) * FLOOR_GAP;
      const score = Math.abs(Math.log(W / H / 1.45));
      if (score < best.score) best = { k, score };
    }
    const rows = Math.ceil(n / best.k);
    const first_of = new Map<FloorPlan, number>();
    let offset = 0;
    for (const f of this.floors) {
      first_of.set(f, offset);
      offset += f.count;
    }
    const column_y = new Array<number>(best.k).fill(0);
    let W = 0;
    let H = 0;
    this.floors.forEach((f, i) => {
      const col = Math.floor(i / rows);
      const x = col * (fw + STACK_GAP);
      const y = column_y[col]!;
      column_y[col] = y + f.h + FLOOR_GAP;
      f.x = x;
      f.y = y;
      f.root.position.set(x, y);
      f.labels.position.set(x, y);
      const from = first_of.get(f)!;
      for (let k = from; k < from + f.count; k++) {
        const d = this.devices[k]!;
        this.px[d] = this.px[d]! + x;
        this.py[d] = this.py[d]! + y;
      }
      W = Math.max(W, x + f.w);
      H = Math.max(H, y + f.h);
    });
    return { x: -16, y: -10, w: W + 32, h: H + 20 };
  }

  private layoutFloor(floor: FloorNode, planes_parent: Container, labels_parent: Container): FloorPlan {
    const x0 = 0;
    const y0 = 0;
    const first = this.devices.length;
    const planes = new Container();
    const labels = new Container();
    planes_parent.addChild(planes);
    labels_parent.addChild(labels);
    const reg = this.state.registry;
    const isLock = (d: number): boolean => reg.info[d]?.kind === 'lock';
    type Box = { zone: ZoneNode; w: number; h: number; inside: number[]; locks: number[] };
    const boxes: Box[] = floor.zones.map((zone) => {
      const inside = zone.devices.filter((d) => !isLock(d));
      const locks = zone.devices.filter(isLock);
      const cols = Math.max(3, Math.ceil(Math.sqrt(inside.length * 2.2)));
      const rows = Math.max(1, Math.ceil(inside.length / cols));
      const base = Math.max(150, Math.min(280, 170 * Math.sqrt(zone.area_m2 / 120)));
      return { zone, inside, locks, w: Math.max(base, ROOM_PAD * 2 + cols * PITCH, locks.length * PITCH + 40), h: Math.max(ROOM_MIN_H, ROOM_LABEL + rows * PITCH + ROOM_PAD) };
    });
    const top = boxes.slice(0, Math.ceil(boxes.length / 2));
    const bottom = boxes.slice(top.length);
    const sum = (bs: Box[]): number => bs.reduce((s, b) => s + b.w, 0);
    const loose = floor.devices;
    const W = Math.max(sum(top), sum(bottom), loose.length * PITCH + 80, 320);
    const stretch = (bs: Box[]): void => {
      const s = sum(bs);
      if (s > 0) for (const b of bs) b.w *= W / s;
    };
    stretch(top);
    stretch(bottom);
    const top_h = top.length ? Math.max(...top.map((b) => b.h)) : 0;
    const bottom_h = bottom.length ? Math.max(...bottom.map((b) => b.h)) : 0;
    const py = y0 + FLOOR_TITLE;
    const H = top_h + CORRIDOR + bottom_h;

    const root = planes;
    // Slab, corridor, rooms, then walls on top.
    root.addChild(new Graphics().roundRect(x0 - 8, py - 8, W + 16, H + 16, 10).fill(0x0c1324).stroke({ width: 1.5, color: 0x1f2b47 }));
    root.addChild(new Graphics().rect(x0, py + top_h, W, CORRIDOR).fill(0x0f1729));
    const walls = new Graphics();
    const rooms: Room[] = [];
    const placeRow = (bs: Box[], ry: number, rh: number, is_top: boolean): void => {
      let rx = x0;
      for (const b of bs) {
        const fill = new Sprite(Texture.WHITE);
        fill.position.set(rx, ry);
        fill.setSize(b.w, rh);
        fill.tint = temperatureColor(NaN);
        root.addChild(fill);
        walls.rect(rx, ry, b.w, rh).stroke({ width: 3, color: WALL, alignment: 0.5 });
        // Door gap to the corridor, drawn as a lighter wall segment.
        const door_y = is_top ? ry + rh : ry;
        walls.moveTo(rx + b.w / 2 - 22, door_y).lineTo(rx + b.w / 2 + 22, door_y).stroke({ width: 5, color: 0x0f1729 });
        const name = label(b.zone.name, 13, TEXT, { fontWeight: '600' });
        name.position.set(rx + 10, ry + 8);
        name.alpha = 0.92;
        const temp = label('', 13, TEXT, { fontWeight: '700' });
        temp.anchor.set(1, 0);
        temp.position.set(rx + b.w - 10, ry + 8);
        labels.addChild(name, temp);
        this.texts.push([name, 13], [temp, 13]);
        rooms.push({ zone: b.zone, x: rx, y: ry, w: b.w, h: rh, fill, temp, name, shown_temp: '' });
        // Devices in a grid under the label, centred in the room.
        const cols = Math.max(1, Math.min(b.inside.length, Math.floor((b.w - ROOM_PAD * 2) / PITCH)));
        const gx = rx + (b.w - cols * PITCH) / 2 + PITCH / 2;
        b.inside.forEach((d, i) => this.placeDevice(d, gx + (i % cols) * PITCH, ry + ROOM_LABEL + Math.floor(i / cols) * PITCH + PITCH / 2));
        // Locks sit on the door, on the corridor wall.
        b.locks.forEach((d, i) => this.placeDevice(d, rx + b.w / 2 + (i - (b.locks.length - 1) / 2) * PITCH, door_y));
        rx += b.w;
      }
    };
    placeRow(top, py, top_h, true);
    placeRow(bottom, py + top_h + CORRIDOR, bottom_h, false);
    loose.forEach((d, i) => this.placeDevice(d, x0 + 24 + i * PITCH, py + top_h + CORRIDOR / 2));
    walls.rect(x0, py, W, H).stroke({ width: 4, color: 0x56688f });
    root.addChild(walls);

    const chip = new Graphics().circle(0, 0, 7).fill(0xffffff);
    chip.position.set(x0 + 8, y0 + 18);
    root.addChild(chip);
    const title = label(floor.label, 20, TEXT, { fontWeight: '700' });
    title.position.set(x0 + 24, y0 + 4);
    const summary = label('', 14, MUTED);
    summary.position.set(x0 + 24 + title.width + 14, y0 + 10);
    labels.addChild(title, summary);
    this.texts.push([title, 20], [summary, 14]);
    return { floor, x: x0, y: y0, w: W, h: FLOOR_TITLE + H + 8, root, labels, count: this.devices.length - first, rooms, title, summary, chip, shown_summary: '' };
  }

  private placeDevice(d: number, x: number, y: number): void {
    this.px[d] = x;
    this.py[d] = y;
    this.devices.push(d);
  }

  /** Floor view: one floor in full colour, the others dimmed. -1 = whole building. */
  setFocus(floor_id: string | null): void {
    this.focus = floor_id === null ? -1 : this.floors.findIndex((f) => f.floor.id === floor_id);
    this.focus_dirty = true;
  }

  floorBounds(floor_id: string): Rect | null {
    const f = this.floors.find((p) => p.floor.id === floor_id);
    return f ? { x: f.x - 12, y: f.y, w: f.w + 24, h: f.h } : null;
  }

  bounds(): Rect {
    return this.bounds_rect;
  }

  update(frame: FrameInfo): boolean {
    const c = this.state.c;
    let changed = false;
    const reg = this.state.registry;
    const focus_changed = this.focus_dirty;
    if (focus_changed) {
      this.focus_dirty = false;
      this.shown.fill(255);
      this.shown_glow.fill(-1);
      changed = true;
      this.floors.forEach((f, i) => {
        f.root.alpha = this.focus < 0 || this.focus === i ? 1 : 0.22;
        f.labels.alpha = f.root.alpha;
      });
    }
    let uvs = false;
    // Pulses step at 20 Hz: smooth enough, and an idle page with one alert renders 20 times a second, not 60.
    const pulse_ms = frame.animate ? Math.floor(frame.wall_ms / 50) * 50 : 0;
    const pulse = frame.animate ? 0.45 + 0.35 * Math.sin(pulse_ms / 260) : 0.7;
    for (let i = 0; i < this.devices.length; i++) {
      const d = this.devices[i]!;
      const dim = this.focus >= 0 && this.floor_index[i] !== this.focus;
      const s = c.status[d]!;
      if (this.shown[i] !== s) {
        this.shown[i] = s;
        this.icons[i]!.color = (dim ? PALETTE_DIM : PALETTE_FULL)[s]!;
        changed = true;
      }
      const kind = reg.info[d]?.kind;
      if (kind === 'lock') {
        const bits = c.bits[d]!;
        if (this.shown_bits[i] !== bits) {
          this.shown_bits[i] = bits;
          const open = (bits & BIT.door_open) !== 0 || (bits & BIT.locked) === 0;
          this.icons[i]!.texture = open ? this.atlas.lock_open : this.atlas.lock;
          uvs = true;
        }
      }
      // Glow: alerting devices pulse red; lights glow warm with their dimming level.
      let glow = 0;
      let colour = WARM;
      if (s === ST.alerting) {
        glow = pulse;
        colour = STATUS_COLOR.alerting;
      } else if (kind === 'lighting' && LIT[s]) {
        const level = c.val[d]!;
        glow = Number.isNaN(level) ? 0 : Math.min(1, level / 100) * 0.55;
      }
      if (dim) glow *= DIM;
      if (Math.abs(this.shown_glow[i]! - glow) > 0.01) {
        this.shown_glow[i] = glow;
        this.glows[i]!.color = particleColor(colour, glow);
        changed = true;
      }
    }
    if (uvs) {
      this.icon_layer.update();
      changed = true;
    }
    const sel = frame.selected;
    if (sel >= 0 && !Number.isNaN(this.px[sel]!)) {
      const alpha = frame.animate ? 0.75 + 0.25 * Math.sin(pulse_ms / 200) : 1;
      if (!this.ring.visible || this.ring.alpha !== alpha || this.ring.x !== this.px[sel] || this.ring.y !== this.py[sel]) changed = true;
      this.ring.visible = true;
      this.ring.position.set(this.px[sel]!, this.py[sel]!);
      this.ring.alpha = alpha;
    } else if (this.ring.visible) {
      this.ring.visible = false;
      changed = true;
    }

    if (frame.wall_ms - this.last_slow_ms >= SLOW_EVERY_MS || focus_changed) {
      this.last_slow_ms = frame.wall_ms;
      // The colour scale spans the building's readings: a 17–19 °C building is not one flat colour.
      const readings = this.floors.flatMap((f) => f.rooms.map((r) => zoneReading(this.state, r.zone)));
      let min = Infinity;
      let max = -Infinity;
      for (const x of readings) {
        if (Number.isNaN(x.t)) continue;
        min = Math.min(min, x.t);
        max = Math.max(max, x.t);
      }
      this.temp_range = fittedTemperatureRange(min, max);
      const [lo, hi] = this.temp_range;
      let k = 0;
      for (const f of this.floors) {
        for (const r of f.rooms) {
          const { t, stale } = readings[k++]!;
          // A stale reading is drawn without its colour: it says what the room was, not what it is.
          const fill = stale ? temperatureColor(NaN) : temperatureColorIn(t, lo, hi);
          if (r.fill.tint !== fill) {
            r.fill.tint = fill;
            changed = true;
          }
          const text = Number.isNaN(t) ? '' : `${t.toFixed(1)} °C${stale ? ' · old' : ''}`;
          if (text !== r.shown_temp) {
            r.shown_temp = text;
            r.temp.text = text;
            r.temp.alpha = stale ? 0.55 : 1;
            changed = true;
          }
        }
        const chip = healthColor(this.state, f.floor.all);
        if (f.chip.tint !== chip) {
          f.chip.tint = chip;
          changed = true;
        }
        const summary = floorSummary(this.state, f.floor);
        if (summary !== f.shown_summary) {
          f.shown_summary = summary;
          f.summary.text = summary;
          changed = true;
        }
      }
      if (this.drawScopes(frame.zoom)) changed = true;
    }
    if (frame.zoom !== this.last_zoom) {
      this.last_zoom = frame.zoom;
      for (const [t, size] of this.texts) legibleAt(t, size, frame.zoom, MIN_LABEL_PX);
      for (const c of this.scope_labels.children) c.scale.set(Math.max(1, 13 / (15 * frame.zoom)));
      changed = true;
    }
    return changed;
  }

  /** Floors of this building an incident scope covers (a gateway's scope is its floor). */
  private scopeFloors(scope: string): FloorPlan[] {
    const i = scope.indexOf(':');
    const kind = scope.slice(0, i);
    const id = scope.slice(i + 1);
    if (kind === 'site') return this.building.site === id ? this.floors : [];
    if (kind === 'building') return this.building.id === id ? this.floors : [];
    if (kind === 'floor') return this.floors.filter((f) => f.floor.id === id);
    if (kind === 'gateway') {
      const d = this.state.registry.indexOf(id);
      const floor = d >= 0 ? this.state.registry.info[d]?.floor : undefined;
      return floor !== undefined && this.building.floors.some((f) => f.id === floor) ? this.floors.filter((f) => f.floor.id === floor) : [];
    }
    return [];
  }

  /**
   * Open outage incidents drawn on the plan: the floors they cover hatched and outlined in the
   * priority colour, with a caption ("P2 · power cut · 17 devices"). Redrawn only when the set of
   * open incidents changes.
   */
  private drawScopes(zoom: number): boolean {
    const open = [...this.state.incidents.values()].filter((x) => x.s !== 'resolved' && !x.scope.startsWith('device:')).sort((a, b) => a.opened_t - b.opened_t || (a.id < b.id ? -1 : 1));
    const placed = open.map((inc) => ({ inc, floors: this.scopeFloors(inc.scope) })).filter((x) => x.floors.length > 0);
    const key = placed.map((x) => `${x.inc.id}|${x.inc.pri}|${x.inc.nd}`).join(';');
    if (key === this.shown_scopes) return false;
    this.shown_scopes = key;
    const g = this.scope_gfx.clear();
    for (const c of this.scope_labels.removeChildren()) c.destroy();
    const captioned = new Map<FloorPlan, number>();
    for (const { inc, floors } of placed) {
      const colour = PRIORITY_COLOR[inc.pri] ?? PRIORITY_COLOR.P4!;
      for (const f of floors) {
        const x0 = f.x - 8;
        const y0 = f.y + FLOOR_TITLE - 8;
        const w = f.w + 16;
        const h = f.h - FLOOR_TITLE + 8;
        // Diagonal hatch over the floor: these devices' last readings are old news.
        for (let k = 24; k < w + h; k += 24) {
          const ax = x0 + Math.max(0, k - h);
          const ay = y0 + Math.min(h, k);
          const bx = x0 + Math.min(w, k);
          const by = y0 + Math.max(0, k - w);
          g.moveTo(ax, ay).lineTo(bx, by);
        }
        g.stroke({ width: 3, color: 0x94a3b8, alpha: 0.12 });
        g.roundRect(x0, y0, w, h, 10).stroke({ width: 5, color: colour, alpha: 0.95 });
      }
      // One caption per incident, in the bottom-right corner of the first floor it covers (clear
      // of the floor's title and summary, and of the stage's overlays; side by side when two share
      // a floor).
      const f = floors[0]!;
      const stacked = captioned.get(f) ?? 0;
      const text = label(this.incidentCaption(inc), 15, 0x0a0f1e, { fontWeight: '800' });
      const pad = 6;
      const chip = new Container();
      const bg = new Graphics().roundRect(0, 0, text.width + pad * 2, text.height + 4, 6).fill(colour);
      text.position.set(pad, 2);
      chip.addChild(bg, text);
      const chip_w = text.width + pad * 2;
      chip.position.set(f.x + f.w - chip_w - stacked - 8, f.y + f.h - text.height - 4 - 18);
      captioned.set(f, stacked + chip_w + 10);
      chip.scale.set(Math.max(1, 13 / (15 * zoom)));
      this.scope_labels.addChild(chip);
    }
    return true;
  }

  hit(wx: number, wy: number, zoom: number): Hit | null {
    if (zoom * ICON >= 7) {
      let best = -1;
      let best_d2 = (ICON * 0.75) ** 2;
      for (const d of this.devices) {
        const dx = this.px[d]! - wx;
        const dy = this.py[d]! - wy;
        const d2 = dx * dx + dy * dy;
        if (d2 <= best_d2) {
          best_d2 = d2;
          best = d;
        }
      }
      if (best >= 0) return { type: 'device', d: best };
    }
    for (const f of this.floors) if (wx >= f.x - 10 && wx <= f.x + f.w + 10 && wy >= f.y && wy <= f.y + f.h) return { type: 'floor', building: this.building.id, floor: f.floor.id };
    return null;
  }

  position(d: number): { x: number; y: number } | null {
    const x = this.px[d];
    return x === undefined || Number.isNaN(x) ? null : { x, y: this.py[d]! };
  }

  drawn(d: number): number | null {
    const i = this.devices.indexOf(d);
    return i < 0 || this.shown[i] === 255 ? null : this.shown[i]!;
  }

  destroy(): void {
    this.root.destroy({ children: true });
  }
}

function floorSummary(state: FleetState, floor: FloorNode): string {
  const st = state.c.status;
  let born = 0;
  let offline = 0;
  let alerting = 0;
  let updating = 0;
  let unreachable = 0;
  for (const d of floor.all) {
    const s = st[d]!;
    if (s === ST.unknown) continue;
    born++;
    if (s === ST.offline || s === ST.bricked) offline++;
    else if (s === ST.unreachable) unreachable++;
    else if (s === ST.alerting) alerting++;
    else if (s === ST.updating) updating++;
  }
  const parts = [`${born} of ${floor.all.length} devices`];
  if (alerting) parts.push(`${alerting} alerting`);
  if (unreachable) parts.push(`${unreachable} unreachable`);
  if (offline) parts.push(`${offline} offline`);
  if (updating) parts.push(`${updating} updating`);
  return parts.join(' · ');
}
