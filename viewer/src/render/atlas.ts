/**
 * Every device icon in one texture, drawn once at start-up with Graphics and rendered to a texture:
 * a ParticleContainer needs all its particles to share one texture source, and one source means
 * one draw call for a whole building or portfolio. Icons are white (tinted by status) with a dark
 * outline that the tint leaves dark, so they stay legible on any room colour.
 */
import { Container, Graphics, Rectangle, Texture, type Renderer } from 'pixi.js';

export const FRAMES = ['dot', 'occupancy', 'env', 'leak', 'lock', 'lock_open', 'hvac', 'lighting', 'gateway', 'glow', 'ring', 'square'] as const;
export type FrameName = (typeof FRAMES)[number];
export type Atlas = Record<FrameName, Texture> & {
  /**
   * The portfolio's dots get their own small texture: tens of thousands of quads a few pixels
   * wide sampling a 64-pixel cell is what software GL spends its time on (texture cache misses).
   */
  readonly small_dot: Texture;
};

/** Cell size in texture pixels; icons are drawn at 2× their usual on-screen size so zooming in stays sharp. */
export const CELL = 64;
const SMALL_DOT = 12;
const OUTLINE = { width: 5, color: 0x05070d, alpha: 0.85 };

function draw(name: FrameName, g: Graphics): void {
  const c = CELL / 2;
  switch (name) {
    case 'dot':
      g.roundRect(4, 4, CELL - 8, CELL - 8, 14).fill(0xffffff);
      break;
    case 'square':
      g.rect(0, 0, CELL, CELL).fill(0xffffff);
      break;
    case 'occupancy':
      // A person: head and shoulders in a disc.
      g.circle(c, c, 26).fill(0xffffff).stroke(OUTLINE);
      g.circle(c, c - 7, 7).fill({ color: 0x05070d, alpha: 0.8 });
      g.roundRect(c - 12, c + 3, 24, 14, 7).fill({ color: 0x05070d, alpha: 0.8 });
      break;
    case 'env':
      // A thermometer in a disc.
      g.circle(c, c, 26).fill(0xffffff).stroke(OUTLINE);
      g.roundRect(c - 4, c - 16, 8, 24, 4).fill({ color: 0x05070d, alpha: 0.8 });
      g.circle(c, c + 11, 7).fill({ color: 0x05070d, alpha: 0.8 });
      break;
    case 'leak':
      g.moveTo(c, 5).bezierCurveTo(c + 6, 18, c + 22, 30, c + 22, 40).arc(c, 40, 22, 0, Math.PI).bezierCurveTo(c - 22, 30, c - 6, 18, c, 5).closePath().fill(0xffffff).stroke(OUTLINE);
      break;
    case 'lock':
    case 'lock_open': {
      // Open: the shackle lifted and swung aside.
      const dx = name === 'lock_open' ? 12 : 0;
      const dy = name === 'lock_open' ? -5 : 0;
      g.roundRect(c - 13 + dx, 8 + dy, 26, 30, 13).stroke({ width: 9, color: 0x05070d, alpha: 0.85 });
      g.roundRect(c - 13 + dx, 8 + dy, 26, 30, 13).stroke({ width: 5, color: 0xffffff });
      g.roundRect(c - 21, 26, 42, 32, 6).fill(0xffffff).stroke(OUTLINE);
      g.circle(c, 40, 4).fill({ color: 0x05070d, alpha: 0.8 });
      break;
    }
    case 'hvac':
      g.roundRect(5, 5, CELL - 10, CELL - 10, 10).fill(0xffffff).stroke(OUTLINE);
      for (let i = 0; i < 3; i++) {
        const a = (i * 2 * Math.PI) / 3;
        g.ellipse(c + Math.cos(a) * 9, c + Math.sin(a) * 9, 9, 5).fill({ color: 0x05070d, alpha: 0.75 });
      }
      g.circle(c, c, 4).fill(0xffffff);
      break;
    case 'lighting':
      g.circle(c, c - 6, 20).fill(0xffffff).stroke(OUTLINE);
      g.roundRect(c - 10, c + 12, 20, 14, 4).fill(0xffffff).stroke(OUTLINE);
      g.rect(c - 9, c + 17, 18, 3).fill({ color: 0x05070d, alpha: 0.7 });
      break;
    case 'gateway':
      g.regularPoly(c, c + 2, 26, 6).fill(0xffffff).stroke(OUTLINE);
      g.arc(c, c + 6, 14, Math.PI * 1.2, Math.PI * 1.8).stroke({ width: 4, color: 0x05070d, alpha: 0.8 });
      g.arc(c, c + 6, 7, Math.PI * 1.2, Math.PI * 1.8).stroke({ width: 4, color: 0x05070d, alpha: 0.8 });
      g.circle(c, c + 8, 3.5).fill({ color: 0x05070d, alpha: 0.8 });
      break;
    case 'glow':
      for (let r = 31; r > 2; r -= 3) g.circle(c, c, r).fill({ color: 0xffffff, alpha: 0.06 + (0.5 * (31 - r)) / 31 / 9 });
      break;
    case 'ring':
      g.circle(c, c, 27).stroke({ width: 5, color: 0xffffff });
      break;
  }
}

export function buildAtlas(renderer: Renderer): Atlas {
  const root = new Container();
  FRAMES.forEach((name, i) => {
    const g = new Graphics();
    draw(name, g);
    g.x = i * CELL;
    root.addChild(g);
  });
  const sheet = renderer.generateTexture({ target: root, frame: new Rectangle(0, 0, FRAMES.length * CELL, CELL), resolution: 1, antialias: true });
  sheet.source.scaleMode = 'linear';
  const atlas = {} as Record<FrameName, Texture>;
  FRAMES.forEach((name, i) => {
    // A one-pixel inset keeps neighbouring icons from bleeding in under linear filtering.
    atlas[name] = new Texture({ source: sheet.source, frame: new Rectangle(i * CELL + 1, 1, CELL - 2, CELL - 2) });
  });
  root.destroy({ children: true });
  const dot = new Graphics().roundRect(0, 0, SMALL_DOT, SMALL_DOT, SMALL_DOT / 4).fill(0xffffff);
  const small_dot = renderer.generateTexture({ target: dot, resolution: 1, antialias: true });
  dot.destroy();
  return Object.assign(atlas, { small_dot });
}
