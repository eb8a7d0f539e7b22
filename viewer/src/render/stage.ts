/**
 * The PixiJS application, a camera over one world container (drag to pan, wheel to zoom about the
 * cursor, animated fits on navigation), and click routing. Views (portfolio, building) are plugged
 * in and out; the stage owns nothing about devices.
 */
import { Application, Container } from 'pixi.js';
import { buildAtlas, type Atlas } from './atlas.ts';
import { BG } from './palette.ts';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Hit =
  | { type: 'device'; d: number }
  | { type: 'building'; id: string }
  | { type: 'floor'; building: string; floor: string }
  | { type: 'site'; id: string };

export interface FrameInfo {
  /** Wall-clock ms (animation only: pulses, camera easing; never state). */
  readonly wall_ms: number;
  /** False on software GL: no idle animation (every redraw there costs CPU the page needs). */
  readonly animate: boolean;
  readonly zoom: number;
  readonly selected: number;
}

export interface View {
  readonly root: Container;
  bounds(): Rect;
  /** Per frame; true when anything on screen changed (the stage then renders). */
  update(frame: FrameInfo): boolean;
  hit(wx: number, wy: number, zoom: number): Hit | null;
  /** World position of a device's icon centre, if the view shows it. */
  position(d: number): { x: number; y: number } | null;
  /** The status code the view last painted device d with (tests compare it with the fold), or null when not shown. */
  drawn(d: number): number | null;
  destroy(): void;
}

const SOFTWARE_GL = /swiftshader|llvmpipe|software|basic render/i;

function glName(gl: WebGL2RenderingContext): string {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
}

export interface FitOptions {
  pad?: number;
  max_zoom?: number;
  left?: number;
  /** Pixels covered on the right (the causal chain card). */
  right?: number;
}

const MIN_ZOOM = 0.02;
const MAX_ZOOM = 8;

export class Stage {
  readonly app = new Application();
  readonly world = new Container();
  atlas!: Atlas;
  view: View | null = null;
  readonly cam = { x: 0, y: 0, zoom: 1 };
  private target: { x: number; y: number; zoom: number } | null = null;
  private drag: { sx: number; sy: number; cx: number; cy: number; moved: boolean } | null = null;
  onClick: (hit: Hit | null) => void = () => {};
  onUserMove: () => void = () => {};
  onResize: () => void = () => {};
  /** Rendered frames (the benchmark's fps counts these). */
  frames = 0;
  private dirty = true;
  /** The GL driver's name (WEBGL_debug_renderer_info), e.g. "ANGLE (… SwiftShader …)". */
  gl_renderer = '';
  animate = true;
  private last_cam = { x: NaN, y: NaN, zoom: NaN, w: 0, h: 0 };
  /** performance.now() of the first frame that drew a view (time-to-first-frame). */
  first_view_frame_ms: number | null = null;

  constructor(readonly host: HTMLElement) {}

  async init(): Promise<void> {
    // WebGL, not WebGPU: headless Chromium with --disable-gpu has SwiftShader WebGL2 only, and it
    // is also what most sales laptops' browsers do best.
    // Our own WebGL2 context, so we can look at the driver before pixi sizes its shaders.
    const canvas = document.createElement('canvas');
    const gl = canvas.getContext('webgl2', { alpha: false, premultipliedAlpha: true, antialias: false, stencil: true, powerPreference: 'high-performance' });
    if (gl) {
      this.gl_renderer = glName(gl);
      this.animate = !SOFTWARE_GL.test(this.gl_renderer);
      // On software GL (SwiftShader in headless Chromium), pixi's batch shader picks one of 16
      // textures per pixel with an if-chain, and every large Graphics fill pays for it: the
      // portfolio page drew at a third of a bare ParticleContainer's frame rate. Two texture
      // units per batch costs a few more draw calls and brings it level (docs/viewer.md).
      if (!this.animate) {
        const original = gl.getParameter.bind(gl);
        gl.getParameter = ((p: number) => (p === gl.MAX_TEXTURE_IMAGE_UNITS ? Math.min(2, original(p) as number) : original(p))) as typeof gl.getParameter;
      }
    }
    // autoStart off: the app renders on demand (see frame()), so an idle page costs no CPU —
    // with software GL, 60 redraws a second of an unchanged floor plan would eat a whole core.
    await this.app.init({ ...(gl ? { canvas, context: gl } : {}), preference: 'webgl', background: BG, antialias: false, resizeTo: this.host, autoDensity: true, resolution: Math.min(2, window.devicePixelRatio || 1), powerPreference: 'high-performance', autoStart: false });
    // pixi's resizeTo follows window resizes only; the stage also changes size when the page
    // layout does (the replay time bar appearing), so resize, redraw and refit on any change.
    new ResizeObserver(() => {
      this.app.resize();
      this.invalidate();
      this.onResize();
    }).observe(this.host);
    this.app.canvas.setAttribute('data-testid', 'viewer-canvas');
    this.host.appendChild(this.app.canvas);
    this.app.stage.addChild(this.world);
    this.atlas = buildAtlas(this.app.renderer);
    this.wireInput();
  }

  get width(): number {
    return this.app.screen.width;
  }
  get height(): number {
    return this.app.screen.height;
  }

  /** Something outside the views changed what the canvas shows: render on the next frame. */
  invalidate(): void {
    this.dirty = true;
  }

  setView(view: View | null): void {
    this.dirty = true;
    if (this.view) {
      this.world.removeChild(this.view.root);
      this.view.destroy();
    }
    this.view = view;
    if (view) this.world.addChild(view.root);
  }

  /**
   * Camera that shows `r` with `pad` screen pixels around it, never closer than `max_zoom` (a
   * small fleet should not fill the screen with three giant dots), leaving `left` pixels free
   * for the details drawer.
   */
  fitCamera(r: Rect, opts: FitOptions = {}): { x: number; y: number; zoom: number } {
    const pad = opts.pad ?? 36;
    const left = opts.left ?? 0;
    const right = opts.right ?? 0;
    const w = Math.max(50, this.width - 2 * pad - left - right);
    const h = Math.max(50, this.height - 2 * pad);
    const zoom = Math.min(opts.max_zoom ?? MAX_ZOOM, Math.max(MIN_ZOOM, Math.min(w / Math.max(1, r.w), h / Math.max(1, r.h))));
    // Centre r in the free area (shifted right by half the inset).
    return { zoom, x: r.x + r.w / 2 - left / 2 / zoom + right / 2 / zoom, y: r.y + r.h / 2 };
  }

  fit(r: Rect, animate: boolean, opts?: FitOptions): void {
    const c = this.fitCamera(r, opts);
    if (animate) this.target = c;
    else {
      this.target = null;
      Object.assign(this.cam, c);
    }
  }

  worldToScreen(x: number, y: number): { x: number; y: number } {
    return { x: (x - this.cam.x) * this.cam.zoom + this.width / 2, y: (y - this.cam.y) * this.cam.zoom + this.height / 2 };
  }

  screenToWorld(x: number, y: number): { x: number; y: number } {
    return { x: (x - this.width / 2) / this.cam.zoom + this.cam.x, y: (y - this.height / 2) / this.cam.zoom + this.cam.y };
  }

  /** Called once per animation frame by the app; renders only when something changed. */
  frame(wall_ms: number, selected: number): boolean {
    if (this.target) {
      const k = 0.2;
      const t = this.target;
      // Ease in log space for zoom so big zoom changes feel even.
      const lz = Math.log(this.cam.zoom) + (Math.log(t.zoom) - Math.log(this.cam.zoom)) * k;
      this.cam.zoom = Math.exp(lz);
      this.cam.x += (t.x - this.cam.x) * k;
      this.cam.y += (t.y - this.cam.y) * k;
      if (Math.abs(t.zoom / this.cam.zoom - 1) < 0.002 && Math.abs(t.x - this.cam.x) * this.cam.zoom < 0.5 && Math.abs(t.y - this.cam.y) * this.cam.zoom < 0.5) {
        Object.assign(this.cam, t);
        this.target = null;
      }
    }
    const c = this.last_cam;
    if (c.x !== this.cam.x || c.y !== this.cam.y || c.zoom !== this.cam.zoom || c.w !== this.width || c.h !== this.height) {
      Object.assign(c, this.cam, { w: this.width, h: this.height });
      this.world.scale.set(this.cam.zoom);
      this.world.position.set(this.width / 2 - this.cam.x * this.cam.zoom, this.height / 2 - this.cam.y * this.cam.zoom);
      this.dirty = true;
    }
    if (this.view?.update({ wall_ms, zoom: this.cam.zoom, selected, animate: this.animate })) this.dirty = true;
    if (!this.dirty) return false;
    this.dirty = false;
    this.app.render();
    this.frames++;
    return true;
  }

  get animating(): boolean {
    return this.target !== null;
  }

  private wireInput(): void {
    const canvas = this.app.canvas;
    canvas.style.touchAction = 'none';
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.drag = { sx: e.offsetX, sy: e.offsetY, cx: this.cam.x, cy: this.cam.y, moved: false };
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.drag) {
        this.hover(e.offsetX, e.offsetY);
        return;
      }
      const dx = e.offsetX - this.drag.sx;
      const dy = e.offsetY - this.drag.sy;
      if (!this.drag.moved && Math.hypot(dx, dy) < 4) return;
      this.drag.moved = true;
      this.target = null;
      this.cam.x = this.drag.cx - dx / this.cam.zoom;
      this.cam.y = this.drag.cy - dy / this.cam.zoom;
      this.app.canvas.style.cursor = 'grabbing';
      this.onUserMove();
    });
    const end = (e: PointerEvent): void => {
      const drag = this.drag;
      this.drag = null;
      canvas.style.cursor = '';
      if (drag && !drag.moved && e.type === 'pointerup') {
        const w = this.screenToWorld(e.offsetX, e.offsetY);
        this.onClick(this.view?.hit(w.x, w.y, this.cam.zoom) ?? null);
      }
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        this.zoomAt(e.offsetX, e.offsetY, Math.exp(-e.deltaY * 0.0015));
        this.onUserMove();
      },
      { passive: false },
    );
  }

  zoomAt(sx: number, sy: number, factor: number): void {
    const before = this.screenToWorld(sx, sy);
    this.target = null;
    this.cam.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.cam.zoom * factor));
    const after = this.screenToWorld(sx, sy);
    this.cam.x += before.x - after.x;
    this.cam.y += before.y - after.y;
  }

  private hover(sx: number, sy: number): void {
    const w = this.screenToWorld(sx, sy);
    const hit = this.view?.hit(w.x, w.y, this.cam.zoom) ?? null;
    this.app.canvas.style.cursor = hit ? 'pointer' : '';
  }
}
