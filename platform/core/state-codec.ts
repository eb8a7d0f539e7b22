/**
 * The platform's state as text, for snapshots: canonical JSON (object keys sorted, so the same
 * state always gives the same bytes) that also carries what plain JSON cannot — ±Infinity and NaN,
 * which the platform uses as "never" sentinels (e.g. a rollout's last health check). Plain data
 * only: Maps and Sets are turned into arrays by each part's `saveState()` before they get here.
 */
import { MspError } from '../../common/errors.ts';

const NUM_TAG = '~num';

function encode(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : `{"${NUM_TAG}":"${String(value)}"}`;
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : encode(v))).join(',')}]`;
      if (ArrayBuffer.isView(value)) return encode(Array.from(value as unknown as ArrayLike<number>));
      const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encode((value as Record<string, unknown>)[k])}`).join(',')}}`;
    }
    default:
      throw new MspError('STATE_NOT_DATA', `a ${typeof value} cannot be part of the platform's saved state`);
  }
}

/** Canonical JSON of a state tree (sorted keys; non-finite numbers tagged). */
export function encodeState(value: unknown): string {
  return encode(value);
}

/** The inverse of `encodeState`. */
export function decodeState<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === NUM_TAG) return Number((v as Record<string, string>)[NUM_TAG]);
    }
    return v;
  }) as T;
}

/** Map entries sorted by key: the canonical order every part saves its maps in. */
export function sortedEntries<V>(map: ReadonlyMap<string, V>): Array<[string, V]> {
  return [...map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** A deep copy of plain data (saved state must never alias the live objects). */
export function copyData<T>(value: T): T {
  return structuredClone(value);
}
