/**
 * The portfolio overview: metros side by side, their sites as cards, each building a tile whose
 * devices are a dot grid (one floor per band of rows, top floor on top), each dot coloured by the
 * device's status. All dots of the portfolio are particles of one ParticleContainer, so 50,000
 * devices are one draw call; only their colour is uploaded per frame.
 */
import { Container, Graphics, Particle, ParticleContainer, Rectangle, type Text } from 'pixi.js';
import { ST } from '../model/codes.ts';
import type { FleetState } from '../model/fleet-state.ts';
import type { BuildingNode, SiteNode, Topology } from '../model/topology.ts';
import type { Atlas } from './atlas.ts';
import { CARD, CARD_EDGE, MUTED, PRIORITY_COLOR, STATUS_COLOR, STATUS_PARTICLE, TEXT } from './palette.ts';
import type { FrameInfo, Hit, Rect, View } from './stage.ts';
import { label } from './text.ts';

/**
 * A label that stays readable when the camera zooms out: drawn at least `min_px` tall on screen
 * (so it grows in world units), and hidden when it no longer fits the `room` reserved for it.
 */
interface Label {
  t: Text;
  size: number;
  min_px: number;
  room_h: number;
  room_w: number;
}

const P = 10; // dot pitch
const DOT = 8;
const TILE_PAD = 10;
const TILE_HEADER = 60;
const TILE_GAP = 14;
const SITE_PAD = 16;
const SITE_HEADER = 74;
const SITE_GAP = 26;
const METRO_HEADER = 52;
const METRO_GAP = 60;
const HEALTH_EVERY_MS = 250;
const PRIORITY_RANK: Readonly<Record<string, number>> = { P1: 0, P2: 1, P3: 2, P4: 3 };

interface Tile {
  building: BuildingNode;
  x: number;
  y: number;
  w: number;
  h: number;
  cols: number;
  /** Row-major cell → device index (-1 for gaps between floors). */
  cells: Int32Array;
  rows: number;
  health: number;
}

interface SiteCard {
  site: SiteNode;
  x: number;
  y: number;
  w: number;
  h: number;
  tiles: Tile[];
  health: number;
}

/**
 * Health of a group of devices (docs/viewer.md): red with a critical or major alert or a tenth of
 * the devices down (offline, unreachable or bricked); amber with anything else amiss (minor alerts, suspect, offline, rollouts);
 * green when all is well; grey before any device has been seen.
 */
export function healthColor(state: FleetState, devices: readonly number[]): number {
  const st = state.c.status;
  const hi = state.c.alerts_hi;
  let born = 0;
  let bad = 0;
  let warn = 0;
  let severe = 0;
  for (const d of devices) {
    const s = st[d]!;
    if (s === ST.unknown) continue;
    born++;
    if (hi[d]! > 0) severe++;
    if (s === ST.offline || s === ST.bricked || s === ST.unreachable) bad++;
    else if (s !== ST.online) warn++;
  }
  if (born === 0) return STATUS_COLOR.unknown;
  if (severe > 0 || bad / born >= 0.1) return STATUS_COLOR.alerting;
  if (bad > 0 || warn > 0) return STATUS_COLOR.suspect;
  return STATUS_COLOR.online;
}

export class PortfolioView implements View {
  readonly root = new Container();
  private readonly particles: Particle[] = [];
  /** Device index of each particle, and the status it currently shows. */
  private readonly device_of: Int32Array;
  private readonly shown: Uint8Array;
  private readonly px: Float32Array;
  private readonly py: Float32Array;
  private readonly tiles: Tile[] = [];
  private readonly sites: SiteCard[] = [];
  private readonly texts: Label[] = [];
  private readonly bg = new Graphics();
  private readonly health = new Graphics();
  private bounds_rect: Rect = { x: 0, y: 0, w: 1, h: 1 };
  private last_health_ms = -Infinity;
  private shown_incidents = '';
  private last_zoom = -1;

  constructor(
    private readonly topo: Topology,
    private readonly state: FleetState,
    atlas: Atlas,
  ) {
    const n = state.registry.size;
    this.px = new Float32Array(n).fill(NaN);
    this.py = new Float32Array(n).fill(NaN);
    // All static shapes in one Graphics and all health colours in another: one draw call each
    // (on software GL every extra draw of a large area costs frames at 10,000 devices).
    const backgrounds = new Container();
    backgrounds.addChild(this.bg, this.health);
    const container = new ParticleContainer({ dynamicProperties: { position: false, rotation: false, vertex: false, uvs: false, color: true }, texture: atlas.small_dot, roundPixels: true });
    const labels = new Container();
    this.root.addChild(backgrounds, container, labels);
    const columns = topo.metros.map((m) => this.layoutMetro(m.name, m.sites));
    this.place(columns, backgrounds, labels);
    // Particles in tile order, so the colour buffer is written front to back.
    const scale = DOT / atlas.small_dot.frame.width;
    const devices: number[] = [];
    for (const tile of this.tiles) {
      for (let cell = 0; cell < tile.cells.length; cell++) {
        const d = tile.cells[cell]!;
        if (d < 0) continue;
        const x = tile.x + TILE_PAD + (cell % tile.cols) * P;
        const y = tile.y + TILE_HEADER + Math.floor(cell / tile.cols) * P;
        this.px[d] = x + DOT / 2;
        this.py[d] = y + DOT / 2;
        const p = new Particle({ texture: atlas.small_dot, x, y, scaleX: scale, scaleY: scale });
        p.color = STATUS_PARTICLE[ST.unknown]!;
        this.particles.push(p);
        devices.push(d);
      }
    }
    for (const p of this.particles) container.particleChildren.push(p);
    container.update();
    container.boundsArea = new Rectangle(this.bounds_rect.x, this.bounds_rect.y, this.bounds_rect.w, this.bounds_rect.h);
    this.device_of = Int32Array.from(devices);
    this.shown = new Uint8Array(devices.length).fill(255);
  }

  private layoutMetro(name: string, sites: readonly SiteNode[]): { name: string; cards: SiteCard[]; w: number; h: number } {
    const cards: SiteCard[] = [];
    for (const site of sites) {
      const tiles: Tile[] = site.buildings.map((b) => this.layoutTile(b));
      const per_row = Math.max(1, Math.min(tiles.length, Math.round(Math.sqrt(tiles.length * 1.2))));
      const cell_w = Math.max(180, ...tiles.map((t) => t.w));
      let y = SITE_HEADER;
      let w = 0;
      for (let i = 0; i < tiles.length; i += per_row) {
        const row = tiles.slice(i, i + per_row);
        row.forEach((t, j) => {
          t.x = SITE_PAD + j * (cell_w + TILE_GAP);
          t.y = y;
          t.w = cell_w;
        });
        w = Math.max(w, SITE_PAD * 2 + row.length * cell_w + (row.length - 1) * TILE_GAP);
        y += Math.max(...row.map((t) => t.h)) + TILE_GAP;
      }
      cards.push({ site, x: 0, y: 0, w: Math.max(w, 260), h: y - TILE_GAP + SITE_PAD, tiles, health: -1 });
    }
    let y = METRO_HEADER;
    const w = Math.max(240, ...cards.map((c) => c.w));
    for (const c of cards) {
      c.y = y;
      c.w = w;
      y += c.h + SITE_GAP;
    }
    return { name, cards, w, h: y - SITE_GAP };
  }

  private layoutTile(b: BuildingNode): Tile {
    const n = b.all.length;
    const cols = Math.max(14, Math.min(48, Math.ceil(Math.sqrt(n * 1.6))));
    const cells: number[] = [];
    b.floors.forEach((f, i) => {
      // A blank row between floors reads as the floor slab.
      if (i > 0) for (let c = 0; c < cols; c++) cells.push(-1);
      for (const d of f.all) cells.push(d);
      while (cells.length % cols !== 0) cells.push(-1);
    });
    if (cells.length === 0) for (let c = 0; c < cols; c++) cells.push(-1);
    const rows = cells.length / cols;
    return {
      building: b,
      x: 0,
      y: 0,
      w: TILE_PAD * 2 + cols * P - (P - DOT),
      h: TILE_HEADER + rows * P - (P - DOT) + TILE_PAD,
      cols,
      cells: Int32Array.from(cells),
      rows,
      health: -1,
    };
  }

  private place(columns: Array<{ name: string; cards: SiteCard[]; w: number; h: number }>, backgrounds: Container, labels: Container): void {
    // Pack metro columns into rows whose overall shape best matches a wide screen.
    const aspect = 1.55;
    let best: { per_row: number; score: number } = { per_row: columns.length, score: Infinity };
    for (let k = 1; k <= Math.max(1, columns.length); k++) {
      let W = 0;
      let H = 0;
      for (let i = 0; i < columns.length; i += k) {
        const row = columns.slice(i, i + k);
        W = Math.max(W, row.reduce((s, c) => s + c.w, 0) + (row.length - 1) * METRO_GAP);
        H += Math.max(...row.map((c) => c.h)) + METRO_GAP;
      }
      const score = Math.abs(Math.log(W / Math.max(1, H) / aspect));
      if (score < best.score) best = { per_row: k, score };
    }
    let y0 = 0;
    let max_w = 0;
    for (let i = 0; i < columns.length; i += best.per_row) {
      const row = columns.slice(i, i + best.per_row);
      let x0 = 0;
      for (const col of row) {
        const metro = label(col.name.toUpperCase(), 24, MUTED, { fontWeight: '700', letterSpacing: 3 });
        metro.position.set(x0 + 2, y0 + 4);
        labels.addChild(metro);
        this.texts.push({ t: metro, size: 24, min_px: 15, room_h: METRO_HEADER, room_w: col.w });
        for (const card of col.cards) {
          card.x += x0;
          card.y += y0;
          this.drawCard(card, backgrounds, labels);
        }
        x0 += col.w + METRO_GAP;
      }
      max_w = Math.max(max_w, x0 - METRO_GAP);
      y0 += Math.max(...row.map((c) => c.h)) + METRO_GAP;
    }
    this.bounds_rect = { x: 0, y: 0, w: Math.max(1, max_w), h: Math.max(1, y0 - METRO_GAP) };
  }

  private drawCard(card: SiteCard, _backgrounds: Container, labels: Container): void {
    // Cards are outlines, not fills: on software GL each layer of fill over most of the screen
    // costs frames at 50,000 devices (docs/viewer.md, "Performance").
    this.bg.roundRect(card.x, card.y, card.w, card.h, 14).stroke({ width: 1.5, color: CARD_EDGE });
    this.bg.rect(card.x + 14, card.y + SITE_HEADER - 7, card.w - 28, 1).fill({ color: CARD_EDGE, alpha: 0.6 });
    const name = label(card.site.name, 20, TEXT, { fontWeight: '700' });
    name.position.set(card.x + SITE_PAD + 20, card.y + 8);
    const b = card.site.buildings.length;
    const sub = label(`${b} building${b === 1 ? '' : 's'} · ${card.site.all.length.toLocaleString('en-US')} devices`, 14, MUTED);
    sub.position.set(card.x + SITE_PAD, card.y + 40);
    labels.addChild(name, sub);
    this.texts.push({ t: name, size: 20, min_px: 13, room_h: 32, room_w: card.w - SITE_PAD * 2 - 20 }, { t: sub, size: 14, min_px: 11, room_h: 28, room_w: card.w - SITE_PAD * 2 });
    for (const tile of card.tiles) {
      tile.x += card.x;
      tile.y += card.y;
      this.bg.rect(tile.x, tile.y, tile.w, tile.h).fill(CARD);
      const tname = label(tile.building.name, 15, TEXT, { fontWeight: '600' });
      tname.position.set(tile.x + TILE_PAD, tile.y + 6);
      const floors = tile.building.floors.length;
      const tsub = label(`${floors} floor${floors === 1 ? '' : 's'} · ${tile.building.all.length} devices`, 12, MUTED);
      tsub.position.set(tile.x + TILE_PAD, tile.y + 32);
      labels.addChild(tname, tsub);
      this.texts.push({ t: tname, size: 15, min_px: 12, room_h: 27, room_w: tile.w - TILE_PAD * 2 }, { t: tsub, size: 12, min_px: 10, room_h: 24, room_w: tile.w - TILE_PAD * 2 });
      this.tiles.push(tile);
    }
    this.sites.push(card);
  }

  bounds(): Rect {
    return this.bounds_rect;
  }

  siteBounds(site_id: string): Rect | null {
    const c = this.sites.find((s) => s.site.id === site_id);
    return c ? { x: c.x, y: c.y, w: c.w, h: c.h } : null;
  }

  update(frame: FrameInfo): boolean {
    const status = this.state.c.status;
    const ps = this.particles;
    const dev = this.device_of;
    const shown = this.shown;
    let changed = false;
    for (let i = 0; i < ps.length; i++) {
      const s = status[dev[i]!]!;
      if (shown[i] !== s) {
        shown[i] = s;
        ps[i]!.color = STATUS_PARTICLE[s]!;
        changed = true;
      }
    }
    if (frame.wall_ms - this.last_health_ms >= HEALTH_EVERY_MS) {
      this.last_health_ms = frame.wall_ms;
      let moved = false;
      for (const t of this.tiles) {
        const c = healthColor(this.state, t.building.all);
        if (t.health !== c) moved = true;
        t.health = c;
      }
      for (const s of this.sites) {
        const c = healthColor(this.state, s.site.all);
        if (s.health !== c) moved = true;
        s.health = c;
      }
      // Open outage incidents outline their buildings in the priority colour (the most urgent wins).
      const outlined = this.incidentOutlines();
      const key = [...outlined].map(([t, c]) => `${t.building.id}:${c}`).join(';');
      if (key !== this.shown_incidents) {
        this.shown_incidents = key;
        moved = true;
      }
      if (moved) {
        const g = this.health.clear();
        for (const t of this.tiles) g.rect(t.x, t.y, t.w, t.h).stroke({ width: 2, color: t.health, alpha: 0.6 });
        for (const [t, colour] of outlined) g.roundRect(t.x - 5, t.y - 5, t.w + 10, t.h + 10, 6).stroke({ width: 4, color: colour });
        for (const s of this.sites) g.circle(s.x + SITE_PAD + 6, s.y + 22, 6).fill(s.health);
        changed = true;
      }
    }
    if (frame.zoom !== this.last_zoom) {
      this.last_zoom = frame.zoom;
      for (const l of this.texts) {
        const scale = Math.max(1, l.min_px / (l.size * frame.zoom));
        l.t.scale.set(scale);
        // Fits its room (height and width, in world units)? Otherwise it would spill over the dots.
        l.t.visible = l.size * scale <= l.room_h * 1.05 && l.t.width <= l.room_w;
      }
      changed = true;
    }
    return changed;
  }

  /** Tiles covered by an open outage incident (gateway, floor, building or site scope), with the colour of the most urgent. */
  private incidentOutlines(): Map<Tile, number> {
    const out = new Map<Tile, number>();
    const rank = new Map<Tile, number>();
    const reg = this.state.registry;
    for (const inc of this.state.incidents.values()) {
      if (inc.s === 'resolved') continue;
      const i = inc.scope.indexOf(':');
      const kind = inc.scope.slice(0, i);
      const id = inc.scope.slice(i + 1);
      let buildings: string[] = [];
      if (kind === 'building') buildings = [id];
      else if (kind === 'floor') buildings = [this.topo.by_floor.get(id)?.building.id ?? ''];
      else if (kind === 'gateway') buildings = [reg.info[reg.indexOf(id)]?.building ?? ''];
      else if (kind === 'site') buildings = this.topo.sites.find((x) => x.id === id)?.buildings.map((b) => b.id) ?? [];
      const r = PRIORITY_RANK[inc.pri] ?? 9;
      for (const t of this.tiles) {
        if (!buildings.includes(t.building.id) || (rank.get(t) ?? 99) <= r) continue;
        rank.set(t, r);
        out.set(t, PRIORITY_COLOR[inc.pri] ?? PRIORITY_COLOR.P4!);
      }
    }
    return out;
  }

  hit(wx: number, wy: number, zoom: number): Hit | null {
    for (const t of this.tiles) {
      if (wx < t.x || wy < t.y || wx > t.x + t.w || wy > t.y + t.h) continue;
      if (zoom * P >= 6) {
        const col = Math.floor((wx - t.x - TILE_PAD) / P);
        const row = Math.floor((wy - t.y - TILE_HEADER) / P);
        if (col >= 0 && col < t.cols && row >= 0 && row < t.rows) {
          const d = t.cells[row * t.cols + col] ?? -1;
          if (d >= 0) return { type: 'device', d };
        }
      }
      return { type: 'building', id: t.building.id };
    }
    for (const c of this.sites) if (wx >= c.x && wy >= c.y && wx <= c.x + c.w && wy <= c.y + SITE_HEADER) return { type: 'site', id: c.site.id };
    return null;
  }

  position(d: number): { x: number; y: number } | null {
    const x = this.px[d];
    return x === undefined || Number.isNaN(x) ? null : { x, y: this.py[d]! };
  }

  drawn(d: number): number | null {
    const i = this.device_of.indexOf(d);
    return i < 0 || this.shown[i] === 255 ? null : this.shown[i]!;
  }

  destroy(): void {
    this.root.destroy({ children: true });
  }
}
