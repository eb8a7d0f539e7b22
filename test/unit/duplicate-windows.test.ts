/**
 * The registry's duplicate windows share two arrays across the fleet (docs/performance.md,
 * "Memory per device"): a window must keep its pairs as slabs are added, never see another
 * slot's pairs, and read back as the per-device typed arrays did (seq as a byte).
 */
import { describe, expect, it } from 'vitest';
import { DuplicateWindows } from '../../platform/registry/duplicate-windows.ts';

describe('DuplicateWindows', () => {
  it('keeps every slot\'s pairs across slabs and keeps slots apart', () => {
    const windows = new DuplicateWindows(4, 2);
    const slots = Array.from({ length: 100 }, () => windows.claim());
    expect(slots).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const slot of slots) windows.put(slot, slot % 4, slot, 1_000 + slot);
    for (const slot of slots) {
      expect(windows.holds(slot, 4, slot, 1_000 + slot)).toBe(true);
      // The neighbour's pair is not in this window, and a pair past `count` is not looked at.
      expect(windows.holds(slot, 4, slot + 1, 1_001 + slot)).toBe(false);
      expect(windows.holds(slot, slot % 4, slot, 1_000 + slot)).toBe(false);
    }
    const more = windows.claim();
    expect(windows.read(more)).toEqual({ seq: [0, 0, 0, 0], ts: [0, 0, 0, 0] });
  });

  it('reads back what was written, seq stored as a byte', () => {
    const windows = new DuplicateWindows(3);
    const slot = windows.claim();
    windows.write(slot, [1, 256 + 7, 255], [10.5, -1, 3e12]);
    expect(windows.read(slot)).toEqual({ seq: [1, 7, 255], ts: [10.5, -1, 3e12] });
    expect(windows.holds(slot, 3, 7, -1)).toBe(true);
  });

  it('clear forgets every window and hands out slots from zero again', () => {
    const windows = new DuplicateWindows(2);
    const a = windows.claim();
    windows.put(a, 0, 9, 99);
    windows.claim();
    windows.clear();
    const again = windows.claim();
    expect(again).toBe(0);
    expect(windows.read(again)).toEqual({ seq: [0, 0], ts: [0, 0] });
    expect(windows.holds(again, 2, 9, 99)).toBe(false);
  });
});
