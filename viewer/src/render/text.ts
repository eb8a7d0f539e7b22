import { Text, type TextStyleOptions } from 'pixi.js';

export const FONT = 'Inter, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Canvas text rendered at 2× so it stays crisp when the camera zooms in a little. */
export function label(text: string, size: number, fill: number, extra: Partial<TextStyleOptions> = {}): Text {
  return new Text({ text, resolution: 3, style: { fontFamily: FONT, fontSize: size, fill, ...extra } });
}

/** Hides text too small to read at this zoom (it also saves software-GL fill rate). */
export function legibleAt(t: Text, size: number, zoom: number, min_px = 7): void {
  t.visible = size * zoom >= min_px;
}
