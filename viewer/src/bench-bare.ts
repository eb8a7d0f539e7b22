/**
 * The benchmark's reference point: a bare ParticleContainer of N tinted dots, a tenth of them
 * re-tinted every frame, nothing else (docs/performance.md quotes ≈ 43 fps at 10k and ≈ 22 at 50k on
 * software GL). The viewer's own figure is read against this one, measured in the same run.
 */
import { Application, Graphics, Particle, ParticleContainer } from 'pixi.js';

export async function bareBench(host: HTMLElement, n: number): Promise<{ frames: () => number; first_frame_ms: () => number | null }> {
  const app = new Application();
  await app.init({ preference: 'webgl', background: '#0a0f1e', resizeTo: host, antialias: false });
  host.appendChild(app.canvas);
  const texture = app.renderer.generateTexture(new Graphics().circle(8, 8, 7).fill(0xffffff));
  const container = new ParticleContainer({ dynamicProperties: { position: false, color: true }, texture });
  const w = app.screen.width;
  const h = app.screen.height;
  const cols = Math.ceil(Math.sqrt((n * w) / h));
  const pitch = w / cols;
  const particles: Particle[] = [];
  for (let i = 0; i < n; i++) {
    const p = new Particle({ texture, x: (i % cols) * pitch, y: Math.floor(i / cols) * pitch, scaleX: (pitch * 0.8) / 16, scaleY: (pitch * 0.8) / 16, tint: 0x22c55e });
    particles.push(p);
    container.particleChildren.push(p);
  }
  container.update();
  app.stage.addChild(container);
  const palette = [0x22c55e, 0xfacc15, 0x64748b, 0xef4444, 0x38bdf8];
  let seed = 99;
  const rand = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4_294_967_296;
  };
  let frames = 0;
  let first: number | null = null;
  app.ticker.add(() => {
    for (let k = 0; k < n / 10; k++) particles[Math.floor(rand() * n)]!.tint = palette[Math.floor(rand() * palette.length)]!;
    frames++;
    first ??= performance.now();
  });
  return { frames: () => frames, first_frame_ms: () => first };
}
