/**
 * Cases for the mutants of platform/registry/duplicate-windows.ts the first tests left alive
 * (docs/testing.md, "Mutation testing"): a pair is held only when both seq and ts match, clear()
 * zeroes every claimed window (not only the first few), and write() lands in its own slot.
 */
import { describe, expect, it } from 'vitest';
import { DuplicateWindows } from '../../platform/registry/duplicate-windows.ts';

describe('DuplicateWindows (mutation cases)', () => {
  it('holds a pair only when seq and ts both match', () => {
    const windows = new DuplicateWindows(4);
    const slot = windows.claim();
    windows.put(slot, 0, 5, 100);
    windows.put(slot, 1, 6, 200);
    expect(windows.holds(slot, 4, 5, 100)).toBe(true);
    expect(windows.holds(slot, 4, 6, 200)).toBe(true);
    // Same seq, other ts; same ts, other seq; each half of two different pairs.
    expect(windows.holds(slot, 4, 5, 101)).toBe(false);
    expect(windows.holds(slot, 4, 7, 100)).toBe(false);
    expect(windows.holds(slot, 4, 5, 200)).toBe(false);
    expect(windows.holds(slot, 4, 6, 100)).toBe(false);
  });

  it('clear() zeroes the last claimed window too', () => {
    const windows = new DuplicateWindows(3);
    const slots = [windows.claim(), windows.claim(), windows.claim()];
    windows.put(slots[2]!, 2, 42, 4_200);
    windows.put(slots[1]!, 0, 41, 4_100);
    windows.clear();
    const again = [windows.claim(), windows.claim(), windows.claim()];
    expect(again).toEqual([0, 1, 2]);
    expect(windows.read(2)).toEqual({ seq: [0, 0, 0], ts: [0, 0, 0] });
    expect(windows.read(1)).toEqual({ seq: [0, 0, 0], ts: [0, 0, 0] });
    expect(windows.holds(2, 3, 42, 4_200)).toBe(false);
  });

  it('write() fills its own slot and leaves the others alone', () => {
    const windows = new DuplicateWindows(3);
    const a = windows.claim();
    const b = windows.claim();
    const c = windows.claim();
    windows.write(b, [1, 2, 3], [10, 20, 30]);
    windows.write(c, [4, 5, 6, 7], [40, 50, 60, 70]);
    expect(windows.read(a)).toEqual({ seq: [0, 0, 0], ts: [0, 0, 0] });
    expect(windows.read(b)).toEqual({ seq: [1, 2, 3], ts: [10, 20, 30] });
    expect(windows.read(c)).toEqual({ seq: [4, 5, 6], ts: [40, 50, 60] });
  });
});
