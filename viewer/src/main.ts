/**
 * Entry point: read /config.json from the view server, pick the source (replay, live, bench),
 * build the page, start the loop, and expose `window.__mspTwin` for the end-to-end tests and the
 * benchmark (read-only views of the state plus a few navigation helpers).
 */
import './ui/styles.css';
import { App, parseHash, type Nav } from './app.ts';
import type { ViewerConfig } from './config.ts';
import { DEVICE_STATES, LIVENESS, OTA, STATUSES } from './model/codes.ts';
import { Stage } from './render/stage.ts';
import { bareBench } from './bench-bare.ts';
import { BenchSource } from './sources/bench-source.ts';
import { LiveSource } from './sources/live-source.ts';
import { ReplaySource } from './sources/replay-source.ts';
import type { Source } from './sources/source.ts';
import { buildShell, setLoading } from './ui/shell.ts';

interface Hook {
  ready: boolean;
  error: string | null;
  mode: string | null;
  [k: string]: unknown;
}

const hook: Hook = { ready: false, error: null, mode: null };
(window as unknown as { __mspTwin: Hook }).__mspTwin = hook;

function mb(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

async function boot(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const bench = params.get('bench');
  if (bench !== null && params.get('bare') === '1') {
    // The benchmark's reference: pixi alone, no viewer (bench-bare.ts).
    document.body.style.cssText = 'margin:0;height:100vh;background:#0a0f1e';
    const b = await bareBench(document.body, Math.max(1, Number(bench) || 10_000));
    Object.assign(hook, { mode: 'bare', frames: b.frames, firstFrameMs: b.first_frame_ms, benchChanges: () => 1 });
    hook.ready = true;
    return;
  }
  const shell = buildShell(document.body);
  const config: ViewerConfig = bench !== null ? { mode: 'bench', title: 'Bench' } : ((await (await fetch('./config.json')).json()) as ViewerConfig);
  hook.mode = config.mode;
  const stage = new Stage(shell.canvas_host);
  await stage.init();
  let source: Source;
  let initial: Nav = parseHash(location.hash) ?? { level: 'portfolio' };
  if (config.mode === 'replay') {
    const replay = new ReplaySource(config);
    setLoading(shell, 'Loading the trace…', 0, '');
    await replay.load((p) => setLoading(shell, 'Loading the trace…', p.total > 0 ? p.bytes / p.total : 0, `${mb(p.bytes)} of ${mb(p.total)} · ${p.lines.toLocaleString('en-US')} lines`));
    setLoading(shell, null, 1, '');
    // Start where the fleet has booted (or at ?at=… / ?t=…, epoch ms or an ISO time), paused;
    // ?play=1 starts playing; ?incident=ID starts at that incident's opening with its chain.
    const t_param = params.get('at') ?? params.get('t');
    const t0 = t_param !== null ? (/^\d+$/.test(t_param) ? Number(t_param) : Date.parse(t_param)) : Math.min(replay.end_ms, replay.start_ms + 15 * 60_000);
    replay.seek(Number.isFinite(t0) ? t0 : replay.start_ms);
    const rate = Number(params.get('speed'));
    if (rate > 0) replay.rate = rate;
    if (params.get('play') === '1') replay.play();
    source = replay;
    Object.assign(hook, {
      start_ms: replay.start_ms,
      end_ms: replay.end_ms,
      lines: replay.lines,
      malformed: replay.malformed,
      seek: (t: number) => replay.seek(t),
      play: () => replay.play(),
      pause: () => replay.pause(),
      incidentTimes: () => replay.timeline.incident_opens.map((x) => ({ ...x })),
    });
  } else if (config.mode === 'live') {
    const live = new LiveSource(config);
    await live.start();
    setLoading(shell, null, 1, '');
    source = live;
    Object.assign(hook, {
      connection: () => live.connection(),
      offlineSeenAt: (id: string) => live.offline_seen_wall.get(id) ?? null,
      messages: () => live.messages,
    });
  } else {
    const n = Math.max(1, Number(bench) || 10_000);
    setLoading(shell, null, 1, '');
    source = new BenchSource(n);
    initial = { level: 'portfolio' };
  }
  const app = new App(shell, stage, source, config);
  app.start(initial);
  if (source instanceof ReplaySource) {
    const incident = params.get('incident');
    if (incident !== null && source.timeline.story.incident(incident)) app.selectIncident(incident, true);
    // A shared moment opens on that moment; a plain replay opens on the story of the run.
    else if (params.get('at') === null && params.get('t') === null && params.get('play') !== '1') app.showSummary(true);
  }
  await app.ready_promise;
  const settle = async (): Promise<void> => {
    // Two frames after the camera stops moving, positions on screen are final.
    for (let i = 0; i < 600 && stage.animating; i++) await new Promise((r) => requestAnimationFrame(r));
    await new Promise((r) => requestAnimationFrame(r));
    await new Promise((r) => requestAnimationFrame(r));
  };
  Object.assign(hook, {
    time: () => source.state.t,
    devicesKnown: () => source.registry.size,
    snapshot: () => app.snapshot(),
    device: (id: string) => {
      const d = source.registry.indexOf(id);
      if (d < 0) return null;
      const c = source.state.c;
      return {
        id,
        status: STATUSES[c.status[d]!],
        liveness: LIVENESS[c.lv[d]!],
        state: DEVICE_STATES[c.ds[d]!],
        ota: c.ota[d] ? OTA[c.ota[d]! - 1] : null,
        alerts: c.alerts[d],
        fw: source.registry.strings[c.fw[d]!],
        info: source.registry.info[d] ?? null,
      };
    },
    navigate: async (nav: Nav) => {
      app.navigate(nav, false);
      await settle();
    },
    select: (id: string) => app.select(source.registry.indexOf(id)),
    selected: () => (app.selected >= 0 ? source.registry.ids[app.selected] : null),
    screenPosition: (id: string) => app.screenPosition(id),
    settle,
    frames: () => stage.frames,
    firstFrameMs: () => stage.first_view_frame_ms,
    renderer: () => stage.app.renderer.name,
    glRenderer: () => stage.gl_renderer,
    benchChanges: () => (source instanceof BenchSource ? source.changes : 0),
    selectIncident: (id: string | null, seek = true) => app.selectIncident(id, seek),
    selectedIncident: () => app.selected_incident,
    drawnStatus: (id: string) => {
      const code = stage.view?.drawn(source.registry.indexOf(id)) ?? null;
      return code === null ? null : (STATUSES[code] ?? null);
    },
    showSummary: (show: boolean) => app.showSummary(show),
  });
  hook.ready = true;
  document.body.dataset.ready = 'true';
}

boot().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  hook.error = message;
  const loading = document.querySelector('.loading');
  if (loading) {
    loading.classList.add('error');
    loading.querySelector('h3')!.textContent = 'The viewer could not start';
    loading.querySelector('.note')!.textContent = message;
  } else document.body.textContent = `The viewer could not start: ${message}`;
  console.error(err);
});
