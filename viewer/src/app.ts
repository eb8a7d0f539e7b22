/**
 * The controller: one Source (replay, live or bench), one Stage, the panels. Owns navigation
 * (portfolio → site → building → floor), selection, and the per-frame loop.
 */
import type { ViewerConfig } from './config.ts';
import { ST, STATUSES, LIVENESS } from './model/codes.ts';
import { alertChain, incidentChain, type Chain } from './model/chain.ts';
import { computeGauges } from './model/sla.ts';
import { faultName } from './model/story.ts';
import { buildTopology, type Topology } from './model/topology.ts';
import { BuildingView, defaultIncidentCaption } from './render/building-view.ts';
import type { IncidentRec } from './model/fleet-state.ts';
import { renderChain, renderSummary, summarize } from './ui/chain-panel.ts';
import { PortfolioView } from './render/portfolio-view.ts';
import type { Hit, Stage } from './render/stage.ts';
import type { ReplaySource } from './sources/replay-source.ts';
import type { Source } from './sources/source.ts';
import { collectDetails, renderDetails } from './ui/details.ts';
import { clockDate, clockTime, esc } from './ui/format.ts';
import { renderAlerts, renderFleet, renderIncidents, renderRollouts, renderSla } from './ui/panels.ts';
import type { Shell } from './ui/shell.ts';
import { Timebar } from './ui/timebar.ts';

export type Nav =
  | { level: 'portfolio' }
  | { level: 'site'; site: string }
  | { level: 'building'; building: string }
  | { level: 'floor'; building: string; floor: string };

const PANELS_EVERY_MS = 250;
/** A change of simulated time bigger than this between frames is a jump, not playback. */
const JUMP_MS = 5 * 60_000;
/** Width the details drawer covers on the left of the stage (its 330 px plus margins). */
const DRAWER_PX = 356;
const RELAYOUT_EVERY_MS = 1_000;
/** Width the causal chain card covers on the right of the stage (its 340 px plus margins). */
const CHAIN_PX = 366;

export class App {
  topo!: Topology;
  nav: Nav = { level: 'portfolio' };
  selected = -1;
  private topo_version = -1;
  private last_panels_ms = -Infinity;
  private last_panels_t = Number.NaN;
  private last_relayout_ms = -Infinity;
  private panels_version = -1;
  private details_key = '';
  private details_values: Record<string, unknown> | null | 'loading' = null;
  private details_ref = -2;
  timebar: Timebar | null = null;
  /** The incident whose causal chain is shown (replay only), or null. */
  selected_incident: string | null = null;
  private chain: Chain | null = null;
  private chain_html = '';
  private was_playing = false;
  /** Resolves with the first frame that drew a view (the test hook and the bench wait for it). */
  readonly ready_promise: Promise<void>;
  private resolve_ready!: () => void;

  constructor(
    readonly shell: Shell,
    readonly stage: Stage,
    readonly source: Source,
    readonly config: ViewerConfig,
  ) {
    this.ready_promise = new Promise((r) => (this.resolve_ready = r));
  }

  /** The clock follows the page: a site's own local time inside it, the portfolio's zone above. */
  get tz(): string {
    const nav = this.nav;
    const site_id = nav.level === 'site' ? nav.site : nav.level === 'building' || nav.level === 'floor' ? this.topo?.by_building.get(nav.building)?.site : undefined;
    const site = site_id !== undefined ? this.topo?.sites.find((s) => s.id === site_id) : undefined;
    return site?.timezone ?? this.topo?.timezone ?? 'UTC';
  }

  /** "Hudson Tower 1 › Floor 3 › Zone 3.1" (or "… › Unit 302 (lakeview-3-02)") from the topology's names. */
  private location(d: number): string | null {
    const b = this.topo.building_of[d];
    const f = this.topo.floor_of[d];
    if (!b || !f) return null;
    const site = this.topo.sites.find((s) => s.id === b.site);
    const zone = f.zones.find((z) => z.devices.includes(d));
    // A residential unit also shows its id, the one targets and reports use (lakeview-3-02).
    const place = zone?.unit === true ? `${zone.name} (${zone.id})` : zone?.name;
    return [site?.name, b.name, f.label, place].filter(Boolean).join(' › ');
  }

  start(initial: Nav): void {
    this.shell.portfolio.textContent = this.source.topology_doc?.name ?? this.source.title;
    document.title = `msp-twin · ${this.source.title}`;
    const mode = this.shell.mode;
    mode.classList.add(this.source.mode);
    mode.querySelector('.label')!.textContent = this.source.mode === 'live' ? 'LIVE' : this.source.mode === 'replay' ? 'REPLAY' : 'BENCH';
    this.stage.onClick = (hit) => this.onHit(hit);
    this.shell.zoom_in.onclick = () => this.stage.zoomAt(this.stage.width / 2, this.stage.height / 2, 1.4);
    this.shell.zoom_out.onclick = () => this.stage.zoomAt(this.stage.width / 2, this.stage.height / 2, 1 / 1.4);
    this.shell.zoom_fit.onclick = () => this.fitNav(true);
    this.shell.details.addEventListener('click', (e) => {
      if ((e.target as HTMLElement).closest('[data-action="close"]')) this.select(-1);
    });
    this.shell.incidents.addEventListener('click', (e) => {
      const item = (e.target as HTMLElement).closest<HTMLElement>('[data-scope]');
      if (!item) return;
      if (this.replay && item.dataset.incident) this.selectIncident(item.dataset.incident, false);
      else this.goToScope(item.dataset.scope!);
    });
    this.shell.alerts.addEventListener('click', (e) => {
      const item = (e.target as HTMLElement).closest<HTMLElement>('[data-device]');
      if (!item) return;
      this.goToDevice(this.source.registry.indexOf(item.dataset.device!));
      if (this.replay && item.dataset.alert) this.selectAlert(item.dataset.alert);
    });
    this.shell.chain.addEventListener('click', (e) => {
      const target = e.target as HTMLElement;
      if (target.closest('[data-action="close-chain"]')) return this.selectIncident(null, false);
      const jump = target.closest<HTMLElement>('button.jump[data-t]');
      if (!jump || !this.replay) return;
      this.replay.pause();
      this.replay.seek(Number(jump.dataset.t));
      this.timebar?.update();
      if (jump.dataset.device) this.goToDevice(this.source.registry.indexOf(jump.dataset.device));
    });
    this.shell.summary.addEventListener('click', (e) => {
      const target = e.target as HTMLElement;
      if (target.closest('[data-action="close-summary"]')) return this.showSummary(false);
      const inc = target.closest<HTMLElement>('[data-incident]');
      if (inc) {
        this.showSummary(false);
        return this.selectIncident(inc.dataset.incident!, true);
      }
      if (target.closest('[data-action="tour"]')) {
        // The tour: from the start, each "Next incident" (N) steps to the next one with its chain.
        this.showSummary(false);
        const first = this.replay?.timeline.story.incidents[0];
        if (first) this.selectIncident(first.id, true);
      }
    });
    window.addEventListener('hashchange', () => {
      const nav = parseHash(location.hash);
      if (nav && JSON.stringify(nav) !== JSON.stringify(this.nav)) this.navigate(nav, true);
    });
    window.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        if (this.selected >= 0) this.select(-1);
        else this.up();
      }
    });
    if (this.source.mode === 'replay') {
      this.timebar = new Timebar(this.shell.timebar, this.source as ReplaySource, () => this.tz);
      // Jumping to an incident also shows where it is.
      this.timebar.onIncident = (id) => this.selectIncident(id, false);
      this.timebar.onPick = (pick) => {
        this.showSummary(false);
        if (pick.type === 'incident') this.selectIncident(pick.id, false);
        else if (pick.type === 'fault') {
          const f = this.replay!.timeline.story.faults.find((x) => x.id === pick.id);
          if (f?.target) this.goToScope(this.source.registry.indexOf(f.target) >= 0 ? `device:${f.target}` : `${f.scope}:${f.target}`);
        }
      };
    }
    this.relayout();
    this.navigate(initial, false);
    const loop = (): void => {
      this.frame();
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
    // The stage resizes with its element; refit when it changes shape.
    this.stage.onResize = () => this.fitNav(false);
  }

  /** The replay source, or null live. */
  get replay(): ReplaySource | null {
    return this.source.mode === 'replay' ? (this.source as ReplaySource) : null;
  }

  /** "P2 · power cut · 17 devices": the incident with the fault that caused it, when the trace has it. */
  incidentCaption(inc: IncidentRec): string {
    const story = this.replay?.timeline.story;
    const rec = story?.incident(inc.id);
    const fault = rec ? story!.faultFor(rec, this.source.registry) : null;
    if (!fault) return defaultIncidentCaption(inc);
    return `${inc.pri} · ${faultName(fault.kind)} · ${inc.nd} device${inc.nd === 1 ? '' : 's'}`;
  }

  /**
   * Selects an incident: its causal chain opens, its scope is shown, its timeline bar is marked.
   * `seek` moves the replay to its opening first (a shared `?incident=` link, the tour).
   */
  selectIncident(id: string | null, seek: boolean): void {
    const replay = this.replay;
    this.selected_incident = id;
    this.chain = id !== null && replay ? incidentChain(replay.timeline, this.source.registry, id) : null;
    this.afterChainChange();
    if (id === null || !this.chain?.incident) return;
    if (seek && replay) {
      replay.pause();
      replay.seek(this.chain.incident.opened_t);
      this.timebar?.update();
    }
    this.goToScope(this.chain.incident.scope);
  }

  selectAlert(alert_id: string): void {
    const replay = this.replay;
    if (!replay) return;
    this.chain = alertChain(replay.timeline, this.source.registry, alert_id);
    this.selected_incident = this.chain?.incident?.id ?? null;
    this.afterChainChange();
  }

  private afterChainChange(): void {
    this.chain_html = '';
    const was_hidden = this.shell.chain.hidden;
    this.shell.chain.hidden = this.chain === null;
    // The plan moves out from under the card (and back when it closes).
    if (was_hidden !== this.shell.chain.hidden) this.fitNav(true);
    this.renderChainPanel();
    for (const b of this.shell.timebar.querySelectorAll<HTMLElement>('[data-incident]')) b.classList.toggle('selected', b.dataset.incident === this.selected_incident);
    const params = new URLSearchParams(location.search);
    if (this.selected_incident !== null) params.set('incident', this.selected_incident);
    else params.delete('incident');
    const q = params.toString();
    history.replaceState(null, '', `${location.pathname}${q ? `?${q}` : ''}${location.hash}`);
    this.panels_version = -1;
  }

  private renderChainPanel(): void {
    if (!this.chain) return;
    const html = renderChain(this.chain, this.tz, this.source.state.t);
    if (html === this.chain_html) return;
    this.chain_html = html;
    this.shell.chain.innerHTML = html;
  }

  /** The run summary card (replay): on open, and again when playback reaches the end. */
  showSummary(show: boolean): void {
    const replay = this.replay;
    this.shell.summary.hidden = !show || !replay;
    if (!show || !replay) return;
    const at_end = this.source.state.t >= replay.end_ms;
    const s = summarize(replay.timeline.story, this.source.registry, this.source.registry.size);
    this.shell.summary.innerHTML = renderSummary(s, this.source.topology_doc?.name ?? this.source.title, at_end, replay.timeline.story, this.source.registry, this.tz);
  }

  private frame(): void {
    const now = performance.now();
    this.source.tick(now);
    if (this.source.registry.topology_version !== this.topo_version && now - this.last_relayout_ms >= RELAYOUT_EVERY_MS) this.relayout();
    this.stage.frame(now, this.selected);
    this.timebar?.update();
    if (this.stage.first_view_frame_ms === null && this.stage.view) {
      this.stage.first_view_frame_ms = now;
      this.resolve_ready();
    }
    // Panels refresh a few times a second, and at once after a jump (a seek or "next incident"),
    // so the clock and the feeds never show a different moment from the floor plan.
    const jumped = Math.abs(this.source.state.t - this.last_panels_t) > JUMP_MS;
    if (jumped || now - this.last_panels_ms >= PANELS_EVERY_MS) {
      this.last_panels_ms = now;
      this.last_panels_t = this.source.state.t;
      this.panels();
      this.renderChainPanel();
      // Playback that runs into the end shows how the run went (a seek to the end does not).
      const replay = this.replay;
      if (replay) {
        if (this.was_playing && !replay.playing && this.source.state.t >= replay.end_ms && this.shell.summary.hidden) this.showSummary(true);
        this.was_playing = replay.playing;
      }
    }
  }

  /** The topology changed (new devices were born live): rebuild the current view. */
  private relayout(): void {
    this.last_relayout_ms = performance.now();
    this.topo_version = this.source.registry.topology_version;
    this.source.state.grow();
    this.topo = buildTopology(this.source.registry, this.source.topology_doc, this.source.title);
    if (this.stage.view) this.showView(this.nav, false, true);
  }

  navigate(nav: Nav, animate: boolean): void {
    // Unknown targets fall back to the portfolio (a stale URL, a building not born yet).
    if ((nav.level === 'building' || nav.level === 'floor') && !this.topo.by_building.has(nav.building)) nav = { level: 'portfolio' };
    if (nav.level === 'site') {
      const site = nav.site;
      if (!this.topo.sites.some((s) => s.id === site)) nav = { level: 'portfolio' };
    }
    this.showView(nav, animate, false);
    const hash = navHash(nav);
    if (location.hash !== hash) history.replaceState(null, '', hash || location.pathname + location.search);
    this.crumbs();
  }

  private showView(nav: Nav, animate: boolean, rebuild: boolean): void {
    const prev = this.nav;
    this.nav = nav;
    const wants_building = nav.level === 'building' || nav.level === 'floor' ? nav.building : null;
    const current = this.stage.view;
    const same_building = wants_building !== null && current instanceof BuildingView && current.building.id === wants_building;
    const same_portfolio = wants_building === null && current instanceof PortfolioView;
    if (rebuild || !(same_building || same_portfolio)) {
      if (wants_building !== null) {
        const view = new BuildingView(this.topo.by_building.get(wants_building)!, this.topo, this.source.state, this.stage.atlas);
        view.incidentCaption = (inc) => this.incidentCaption(inc);
        this.stage.setView(view);
        // A device drawer from another building would describe something no longer on screen.
        if (this.selected >= 0 && this.topo.building_of[this.selected]?.id !== wants_building) this.select(-1);
      } else this.stage.setView(new PortfolioView(this.topo, this.source.state, this.stage.atlas));
      animate = false;
    }
    const view = this.stage.view;
    if (view instanceof BuildingView) view.setFocus(nav.level === 'floor' ? nav.floor : null);
    if (!rebuild || JSON.stringify(prev) !== JSON.stringify(nav)) this.fitNav(animate);
  }

  fitNav(animate: boolean): void {
    const view = this.stage.view;
    if (!view) return;
    const nav = this.nav;
    const left = this.selected >= 0 ? DRAWER_PX : 0;
    const right = this.shell.chain.hidden ? 0 : CHAIN_PX;
    if (nav.level === 'floor' && view instanceof BuildingView) {
      const r = view.floorBounds(nav.floor);
      // Padding keeps the plan clear of the hint and zoom buttons overlaid on the stage's corners.
      if (r) return this.stage.fit(r, animate, { pad: 54, max_zoom: 1.7, left, right });
    }
    if (nav.level === 'site' && view instanceof PortfolioView) {
      const r = view.siteBounds(nav.site);
      if (r) return this.stage.fit(r, animate, { pad: 28, max_zoom: 2.2, left, right });
    }
    this.stage.fit(view.bounds(), animate, { max_zoom: view instanceof PortfolioView ? 1.6 : 1.5, left, right });
  }

  up(): void {
    const nav = this.nav;
    if (nav.level === 'floor') this.navigate({ level: 'building', building: nav.building }, true);
    else if (nav.level === 'building') this.navigate({ level: 'site', site: this.topo.by_building.get(nav.building)?.site ?? '' }, true);
    else if (nav.level === 'site') this.navigate({ level: 'portfolio' }, true);
  }

  private onHit(hit: Hit | null): void {
    if (!hit) return;
    switch (hit.type) {
      case 'device':
        this.select(hit.d);
        return;
      case 'building':
        this.navigate({ level: 'building', building: hit.id }, true);
        return;
      case 'floor':
        if (this.nav.level === 'floor' && this.nav.floor === hit.floor) return;
        this.navigate({ level: 'floor', building: hit.building, floor: hit.floor }, true);
        return;
      case 'site':
        this.navigate({ level: 'site', site: hit.id }, true);
        return;
    }
  }

  select(d: number): void {
    this.selected = d;
    this.details_key = '';
    this.details_ref = -2;
    this.shell.details.hidden = d < 0;
    this.renderDetails();
    // Keep the selected device out from under the drawer.
    if (d >= 0) {
      const p = this.stage.view?.position(d);
      const s = p ? this.stage.worldToScreen(p.x, p.y) : null;
      if (s && s.x < DRAWER_PX + 20) this.fitNav(true);
    }
  }

  goToDevice(d: number): void {
    if (d < 0) return;
    const b = this.topo.building_of[d];
    const f = this.topo.floor_of[d];
    if (b && f) this.navigate({ level: 'floor', building: b.id, floor: f.id }, true);
    this.select(d);
  }

  goToScope(scope: string): void {
    const i = scope.indexOf(':');
    const kind = scope.slice(0, i);
    const id = scope.slice(i + 1);
    if (kind === 'device' || kind === 'gateway') return this.goToDevice(this.source.registry.indexOf(id));
    if (kind === 'floor') {
      const f = this.topo.by_floor.get(id);
      if (f) this.navigate({ level: 'floor', building: f.building.id, floor: f.floor.id }, true);
    } else if (kind === 'building') this.navigate({ level: 'building', building: id }, true);
    else if (kind === 'site') this.navigate({ level: 'site', site: id }, true);
  }

  private crumbs(): void {
    const nav = this.nav;
    const parts: Array<{ label: string; nav: Nav }> = [{ label: 'Portfolio', nav: { level: 'portfolio' } }];
    const site_id = nav.level === 'site' ? nav.site : nav.level === 'building' || nav.level === 'floor' ? this.topo.by_building.get(nav.building)?.site : undefined;
    const site = this.topo.sites.find((s) => s.id === site_id);
    if (site) parts.push({ label: site.name, nav: { level: 'site', site: site.id } });
    if (nav.level === 'building' || nav.level === 'floor') parts.push({ label: this.topo.by_building.get(nav.building)?.name ?? nav.building, nav: { level: 'building', building: nav.building } });
    if (nav.level === 'floor') parts.push({ label: this.topo.by_floor.get(nav.floor)?.floor.label ?? nav.floor, nav });
    const el = this.shell.crumbs;
    el.innerHTML = parts.map((p, i) => `${i ? '<span class="sep">›</span>' : ''}<button data-i="${i}" class="${i === parts.length - 1 ? 'here' : ''}">${esc(p.label)}</button>`).join('');
    el.querySelectorAll('button').forEach((b) => (b.onclick = () => this.navigate(parts[Number(b.dataset.i)]!.nav, true)));
    const hints: Record<Nav['level'], string> = {
      portfolio: 'Click a building to open it · drag to pan · scroll to zoom',
      site: 'Click a building to open it · Esc goes up',
      building: 'Click a floor for its plan · click a device for details',
      floor: 'Click a device for details · Esc goes back to the building',
    };
    this.shell.hint.querySelector('.nav-hint')!.textContent = hints[nav.level];
    (this.shell.hint.querySelector('.temp-scale') as HTMLElement).style.display = nav.level === 'building' || nav.level === 'floor' ? '' : 'none';
  }

  private shown_ticks = '';

  private panels(): void {
    const state = this.source.state;
    // The temperature legend shows the range the plan's colours span now, with a tick per step.
    const view = this.stage.view;
    if (view instanceof BuildingView) {
      const [lo, hi] = view.temp_range;
      // Evenly spaced (the labels are spread edge to edge under the bar): whole degrees up to 6 intervals.
      const n = hi - lo <= 6 ? hi - lo : 4;
      const ticks: string[] = [];
      for (let i = 0; i <= n; i++) ticks.push(`<i>${Math.round((lo + (i * (hi - lo)) / n) * 10) / 10}°</i>`);
      const html = ticks.join('');
      if (html !== this.shown_ticks) {
        this.shown_ticks = html;
        this.shell.hint.querySelector('.ticks')!.innerHTML = html;
      }
    }
    const tz = this.tz;
    this.shell.clock_time.textContent = clockTime(state.t, tz);
    const speed = this.source.speed();
    const speed_text = speed === null ? '' : speed === 0 ? ' · paused' : ` · ×${speed >= 10 ? Math.round(speed) : speed.toFixed(1)}`;
    this.shell.clock_date.innerHTML = `${esc(clockDate(state.t, tz))} · ${esc(tz)}<span class="speed">${esc(speed_text)}</span>`;
    if (this.source.connection) this.shell.mode.classList.toggle('down', this.source.connection() !== 'connected');
    if (state.version !== this.panels_version) {
      this.panels_version = state.version;
      const g = computeGauges(state, this.source.topology_doc?.contract ?? null);
      renderSla(this.shell.sla, g, state.ended ? state.sla_final : null);
      renderFleet(this.shell.fleet, this.shell.fleet.parentElement!.querySelector('.count')!, g, this.source.registry.size);
      const tall = this.shell.side.clientHeight > 900;
      renderIncidents(this.shell.incidents, this.shell.incidents.parentElement!.querySelector('.count')!, state, this.topo, tz, tall ? 6 : 3, this.selected_incident);
      renderAlerts(this.shell.alerts, this.shell.alerts.parentElement!.querySelector('.count')!, state, tz, tall ? 8 : 3);
      renderRollouts(this.shell.rollouts, this.shell.rollouts.parentElement!.querySelector('.count')!, state, tz);
      // A run with rollouts shows them right under the incidents; otherwise the (empty) panel goes last.
      const rollouts = this.shell.rollouts.parentElement!;
      const alerts = this.shell.alerts.parentElement!;
      const has = state.rollouts.size > 0 || this.shell.rollouts.querySelector('.rollout') !== null;
      if (has && rollouts.nextElementSibling !== alerts) this.shell.side.insertBefore(rollouts, alerts);
      else if (!has && rollouts.nextElementSibling !== null) this.shell.side.appendChild(rollouts);
      this.renderDetails();
    }
  }

  private renderDetails(): void {
    const d = this.selected;
    if (d < 0) return;
    const state = this.source.state;
    const det = collectDetails(state, d, this.source.lastOta(d), this.source.lastEvent(d));
    const ref = state.c.tel_ref[d]!;
    if (ref !== this.details_ref) {
      this.details_ref = ref;
      this.details_values = 'loading';
      void this.source.telemetryValues(d).then((v) => {
        if (this.selected !== d || this.details_ref !== ref) return;
        this.details_values = v;
        this.details_key = '';
        this.renderDetails();
      });
    }
    const key = JSON.stringify([det, this.details_values === 'loading' ? 0 : 1]);
    if (key === this.details_key) return;
    this.details_key = key;
    renderDetails(this.shell.details, det, this.details_values, this.tz, this.location(d));
  }

  // ---- test hook helpers ----
  snapshot(): Record<string, unknown> {
    const state = this.source.state;
    const reg = this.source.registry;
    const by_status: Record<string, number> = {};
    const by_liveness: Record<string, number> = {};
    const statuses: Record<string, string> = {};
    let devices = 0;
    for (let d = 0; d < reg.size; d++) {
      const s = STATUSES[state.c.status[d]!]!;
      statuses[reg.ids[d]!] = s;
      if (state.c.status[d] === ST.unknown && !state.c.born[d]) continue;
      devices++;
      by_status[s] = (by_status[s] ?? 0) + 1;
      const lv = LIVENESS[state.c.lv[d]!]!;
      by_liveness[lv] = (by_liveness[lv] ?? 0) + 1;
    }
    const active_alerts = [...state.alerts.values()].filter((a) => a.s !== 'resolved').map((a) => a.id).sort();
    const incidents = Object.fromEntries([...state.incidents.values()].map((i) => [i.id, i.s]));
    return { t_ms: state.t, devices, by_status, by_liveness, statuses, active_alerts, incidents, nav: this.nav, selected: this.selected >= 0 ? reg.ids[this.selected] : null };
  }

  screenPosition(id: string): { x: number; y: number } | null {
    const d = this.source.registry.indexOf(id);
    const p = d >= 0 ? this.stage.view?.position(d) : null;
    if (!p) return null;
    const s = this.stage.worldToScreen(p.x, p.y);
    const rect = this.stage.app.canvas.getBoundingClientRect();
    return { x: rect.left + s.x, y: rect.top + s.y };
  }
}

export function navHash(nav: Nav): string {
  switch (nav.level) {
    case 'portfolio':
      return '';
    case 'site':
      return `#/site/${encodeURIComponent(nav.site)}`;
    case 'building':
      return `#/building/${encodeURIComponent(nav.building)}`;
    case 'floor':
      return `#/building/${encodeURIComponent(nav.building)}/floor/${encodeURIComponent(nav.floor)}`;
  }
}

export function parseHash(hash: string): Nav | null {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'site' && parts[1]) return { level: 'site', site: parts[1] };
  if (parts[0] === 'building' && parts[1] && parts[2] === 'floor' && parts[3]) return { level: 'floor', building: parts[1], floor: parts[3] };
  if (parts[0] === 'building' && parts[1]) return { level: 'building', building: parts[1] };
  if (parts[0] === '' || parts[0] === undefined) return { level: 'portfolio' };
  return null;
}
