/** The page skeleton: top bar, stage with overlays, side panels, replay time bar. */
import { TEMP_LEGEND, hex } from '../render/palette.ts';

export interface Shell {
  root: HTMLElement;
  portfolio: HTMLElement;
  crumbs: HTMLElement;
  mode: HTMLElement;
  clock_time: HTMLElement;
  clock_date: HTMLElement;
  stage: HTMLElement;
  canvas_host: HTMLElement;
  details: HTMLElement;
  chain: HTMLElement;
  summary: HTMLElement;
  loading: HTMLElement;
  hint: HTMLElement;
  zoom_in: HTMLButtonElement;
  zoom_out: HTMLButtonElement;
  zoom_fit: HTMLButtonElement;
  side: HTMLElement;
  sla: HTMLElement;
  fleet: HTMLElement;
  incidents: HTMLElement;
  alerts: HTMLElement;
  rollouts: HTMLElement;
  timebar: HTMLElement;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, html?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (html !== undefined) e.innerHTML = html;
  return e;
}

function panel(title: string, id: string): { section: HTMLElement; body: HTMLElement; count: HTMLElement } {
  const section = el('section', 'panel');
  section.dataset.panel = id;
  const h = el('h2');
  h.textContent = title;
  const count = el('span', 'count');
  h.appendChild(count);
  const body = el('div');
  section.append(h, body);
  return { section, body, count };
}

export function buildShell(mount: HTMLElement): Shell {
  const root = el('div');
  root.id = 'app';
  const top = el('header', 'top');
  const brand = el('div', 'brand', '<div class="mark"></div><div class="name">msp-twin</div>');
  const portfolio = el('div', 'portfolio');
  brand.appendChild(portfolio);
  const crumbs = el('nav', 'crumbs');
  const mode = el('div', 'mode', '<span class="dot"></span><span class="label"></span>');
  mode.dataset.testid = 'mode';
  const clock = el('div', 'clock');
  const clock_time = el('div', 'time');
  clock_time.dataset.testid = 'clock';
  const clock_date = el('div', 'date');
  clock.append(clock_time, clock_date);
  top.append(brand, crumbs, mode, clock);

  const stage = el('div');
  stage.id = 'stage';
  const canvas_host = el('div');
  canvas_host.id = 'canvas-host';
  const details = el('div', 'overlay details');
  details.hidden = true;
  details.dataset.testid = 'details';
  const chain = el('div', 'overlay chain');
  chain.hidden = true;
  chain.dataset.testid = 'chain';
  const summary = el('div', 'overlay summary');
  summary.hidden = true;
  summary.dataset.testid = 'summary';
  const zoom = el('div', 'overlay zoom');
  const zoom_in = el('button', '', '+');
  zoom_in.title = 'Zoom in';
  const zoom_out = el('button', '', '−');
  zoom_out.title = 'Zoom out';
  const zoom_fit = el('button', '', '⤢');
  zoom_fit.title = 'Fit to screen';
  zoom.append(zoom_in, zoom_out, zoom_fit);
  const stops = TEMP_LEGEND.map(([, c], i) => `${hex(c)} ${(i / (TEMP_LEGEND.length - 1)) * 100}%`).join(', ');
  const hint = el('div', 'overlay hint', `<span class="nav-hint"></span><span class="temp-scale"><span class="bar" style="background:linear-gradient(90deg, ${stops})"></span><span class="ticks" data-testid="temp-ticks"><i>${TEMP_LEGEND[0]![0]}°</i><i>${TEMP_LEGEND[TEMP_LEGEND.length - 1]![0]}°C</i></span></span>`);
  const loading = el('div', 'overlay loading', '<div class="card"><h3>Loading…</h3><div class="bar"><div></div></div><div class="note"></div></div>');
  stage.append(canvas_host, hint, zoom, details, chain, summary, loading);

  const side = el('aside', 'side');
  const sla = panel('Service levels', 'sla');
  const fleet = panel('Fleet', 'fleet');
  const incidents = panel('Incidents', 'incidents');
  const alerts = panel('Active alerts', 'alerts');
  const rollouts = panel('Firmware rollouts', 'rollouts');
  side.append(sla.section, fleet.section, incidents.section, alerts.section, rollouts.section);

  const timebar = el('footer', 'timebar');
  timebar.hidden = true;
  root.append(top, stage, side, timebar);
  mount.appendChild(root);
  return {
    root,
    portfolio,
    crumbs,
    mode,
    clock_time,
    clock_date,
    stage,
    canvas_host,
    details,
    chain,
    summary,
    loading,
    hint,
    zoom_in,
    zoom_out,
    zoom_fit,
    side,
    sla: sla.body,
    fleet: fleet.body,
    incidents: incidents.body,
    alerts: alerts.body,
    rollouts: rollouts.body,
    timebar,
  };
}

export function setLoading(shell: Shell, title: string | null, fraction: number, note: string, error = false): void {
  shell.loading.hidden = title === null;
  shell.loading.style.display = title === null ? 'none' : '';
  if (title === null) return;
  shell.loading.classList.toggle('error', error);
  shell.loading.querySelector('h3')!.textContent = title;
  (shell.loading.querySelector('.bar > div') as HTMLElement).style.width = `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
  shell.loading.querySelector('.note')!.textContent = note;
}
