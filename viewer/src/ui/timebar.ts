/** Replay controls: the timeline strip, play/pause, speed, the scrubber with incident and fault markers, incident jumps. */
import type { ReplaySource } from '../sources/replay-source.ts';
import { clockTime, dayTime, esc } from './format.ts';
import { renderStrip, type StripPick } from './strip.ts';

const SPEEDS = [1, 10, 60, 300, 900, 3600];
/** Inline SVG: no icon font to load, and no glyph a system font might lack. */
const svg = (path: string): string => `<svg width="14" height="14" viewBox="0 0 16 16" fill="currentColor" aria-hidden="true">${path}</svg>`;
const ICON = {
  play: svg('<path d="M4 2.5v11l9.5-5.5z"/>'),
  pause: svg('<rect x="3.5" y="2.5" width="3.2" height="11" rx="1"/><rect x="9.3" y="2.5" width="3.2" height="11" rx="1"/>'),
  next: svg('<path d="M2 3v10l7-5zM9 3v10l5.5-5z"/><rect x="13.5" y="3" width="1.8" height="10" rx=".6"/>'),
  prev: svg('<path d="M14 3v10L7 8zM7 3v10L1.5 8z"/><rect x=".7" y="3" width="1.8" height="10" rx=".6"/>'),
};

export class Timebar {
  private readonly range: HTMLInputElement;
  private readonly play_btn: HTMLButtonElement;
  private readonly time: HTMLElement;
  private shown = '';
  private readonly strip: HTMLElement;
  private strip_tz = '';
  private cursor: HTMLElement | null = null;
  onIncident: (id: string) => void = () => {};
  /** A bar (or a moment) picked on the strip, after the seek. */
  onPick: (pick: StripPick) => void = () => {};

  constructor(
    private readonly el: HTMLElement,
    private readonly source: ReplaySource,
    private readonly tz: () => string,
  ) {
    el.hidden = false;
    const span = Math.max(1, source.end_ms - source.start_ms);
    const pos = (t: number): string => `${(((t - source.start_ms) / span) * 100).toFixed(3)}%`;
    const marks = [
      ...source.timeline.incident_opens.map((x) => `<i class="inc ${esc(x.pri)}" style="left:${pos(x.t)}" title="${esc(x.id)} ${esc(x.pri)}"></i>`),
      ...source.timeline.fault_starts.map((x) => `<i class="fault" style="left:${pos(x.t)}" title="fault: ${esc(x.kind)}"></i>`),
    ].join('');
    el.innerHTML = `<div class="strip" data-testid="timeline"></div><div class="tb-row"><button class="tb-btn" data-action="prev" data-testid="prev-incident" title="Previous incident (P)">${ICON.prev}</button>
      <button class="tb-btn play" data-action="play" data-testid="play" title="Play / pause (space)">${ICON.play}</button>
      <button class="tb-btn" data-action="next" data-testid="next-incident" title="Next incident (N)">Next incident ${ICON.next}</button>
      <select class="speed" data-testid="speed" title="Replay speed: simulated time per second">${SPEEDS.map((s) => `<option value="${s}"${s === source.rate ? ' selected' : ''}>${s === 1 ? '1 s/s' : s < 60 ? `${s} s/s` : s < 3600 ? `${s / 60} min/s` : `${s / 3600} h/s`}</option>`).join('')}</select>
      <div class="scrub"><div class="marks">${marks}</div><input type="range" data-testid="scrubber" min="${source.start_ms}" max="${source.end_ms}" step="1000" value="${source.time}"></div>
      <div class="tb-time" data-testid="replay-time"></div>
      <button class="tb-btn" data-action="share" data-testid="share" title="Copy a link to this moment (?at=…, with the selected incident)">Link</button></div>`;
    this.strip = el.querySelector('.strip')!;
    this.strip.addEventListener('click', (e) => {
      const target = e.target as HTMLElement;
      const track = target.closest<HTMLElement>('.track') ?? this.strip.querySelector<HTMLElement>('.track');
      if (!track) return;
      const r = track.getBoundingClientRect();
      const pick = stripPick(target, (e.clientX - r.left) / Math.max(1, r.width), source.start_ms, source.end_ms);
      this.source.pause();
      this.source.seek(pick.t);
      this.update();
      this.onPick(pick);
    });
    this.range = el.querySelector('input[type="range"]')!;
    this.play_btn = el.querySelector('[data-action="play"]')!;
    this.time = el.querySelector('.tb-time')!;
    this.range.addEventListener('input', () => {
      this.source.seek(Number(this.range.value));
      this.update();
    });
    el.querySelector<HTMLSelectElement>('select.speed')!.addEventListener('change', (e) => {
      this.source.rate = Number((e.target as HTMLSelectElement).value);
    });
    el.addEventListener('click', (e) => {
      const action = (e.target as HTMLElement).closest<HTMLElement>('[data-action]')?.dataset.action;
      if (action === 'play') this.toggle();
      else if (action === 'next') this.jump(+1);
      else if (action === 'prev') this.jump(-1);
      else if (action === 'share') this.share();
    });
    window.addEventListener('keydown', (e) => {
      if ((e.target as HTMLElement).closest('input, select, textarea')) return;
      if (e.key === ' ') {
        e.preventDefault();
        this.toggle();
      } else if (e.key === 'n' || e.key === 'N') this.jump(+1);
      else if (e.key === 'p' || e.key === 'P') this.jump(-1);
      else if (e.key === 'ArrowRight') this.source.seek(this.source.time + 60_000);
      else if (e.key === 'ArrowLeft') this.source.seek(this.source.time - 60_000);
    });
  }

  /** This moment as a link: the page's own URL with `?at=` (a selected incident's `?incident=` is dropped, it would win). */
  shareUrl(): string {
    const url = new URL(location.href);
    url.searchParams.delete('t');
    url.searchParams.delete('incident');
    url.searchParams.delete('play');
    url.searchParams.set('at', String(this.source.time));
    return url.toString();
  }

  private share(): void {
    const url = this.shareUrl();
    history.replaceState(null, '', url);
    const btn = this.el.querySelector<HTMLElement>('[data-action="share"]')!;
    const done = (text: string): void => {
      btn.textContent = text;
      setTimeout(() => (btn.textContent = 'Link'), 1500);
    };
    // The clipboard needs a secure context (127.0.0.1 is one); the address bar has the link either way.
    if (navigator.clipboard === undefined) return done('In address bar');
    navigator.clipboard.writeText(url).then(
      () => done('Copied'),
      () => done('In address bar'),
    );
  }

  toggle(): void {
    if (this.source.playing) this.source.pause();
    else this.source.play();
    this.update();
  }

  jump(direction: 1 | -1): void {
    const T = this.source.time;
    const x = direction > 0 ? this.source.timeline.nextIncidentAfter(T) : this.source.timeline.prevIncidentBefore(T);
    if (!x) return;
    this.source.pause();
    this.source.seek(x.t);
    this.update();
    this.onIncident(x.id);
  }

  update(): void {
    const T = this.source.time;
    const key = `${T}|${this.source.playing}|${this.tz()}`;
    if (key === this.shown) return;
    this.shown = key;
    if (document.activeElement !== this.range || !this.source.playing) this.range.value = String(T);
    const span = Math.max(1, this.source.end_ms - this.source.start_ms);
    this.range.style.setProperty('--p', `${((T - this.source.start_ms) / span) * 100}%`);
    this.play_btn.innerHTML = this.source.playing ? ICON.pause : ICON.play;
    const tz = this.tz();
    if (tz !== this.strip_tz) {
      // The axis is in the local time of the site on screen; redraw when that changes.
      this.strip_tz = tz;
      this.strip.innerHTML = renderStrip(this.source.timeline.story, this.source.registry, this.source.start_ms, this.source.end_ms, tz);
      this.cursor = this.strip.querySelector('.cursor');
    }
    if (this.cursor) this.cursor.style.left = `${(((T - this.source.start_ms) / span) * 100).toFixed(3)}%`;
    this.time.textContent = `${dayTime(T, tz)}:${clockTime(T, tz).slice(-2)} / ${dayTime(this.source.end_ms, tz)}`;
    void this.el;
  }
}

/** What a click at (target, fraction of the track) picks. */
export function stripPick(target: HTMLElement, fraction: number, start: number, end: number): StripPick {
  const bar = target.closest<HTMLElement>('[data-incident], [data-fault]');
  if (bar?.dataset.incident) return { type: 'incident', id: bar.dataset.incident, t: Number(bar.dataset.t) };
  if (bar?.dataset.fault) return { type: 'fault', id: bar.dataset.fault, t: Number(bar.dataset.t) };
  return { type: 'time', t: Math.round(start + Math.max(0, Math.min(1, fraction)) * (end - start)) };
}
