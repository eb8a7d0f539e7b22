/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, integers as integers, and
 * non-finite numbers refused. Two runs that produce the same values produce the same bytes,
 * whatever order the code happened to build the objects in (docs/architecture.md, invariant 4).
 */
export function canonicalJson(value: unknown): string {
  // The objects the hot paths make (a device's telemetry, its readings) are built with their keys
  // in canonical order already: then JSON.stringify writes the same bytes, natively and as one
  // flat string, where the encoder below builds a rope that every reader after it (the step's
  // order, the platform's parse, the trace's hash) has to flatten again (docs/performance.md).
  if (typeof value === 'object' && value !== null && stringifiesCanonically(value)) return JSON.stringify(value);
  switch (typeof value) {
    case 'string':
      return quotedString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
      // JSON.stringify of a finite number is its ToString, which writes -0 as "0" too.
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const v: unknown = value[i];
          out += canonicalJson(v === undefined ? null : v);
        }
        return out + ']';
      }
      const obj = value as Record<string, unknown>;
      const keys = sortedKeys(obj);
      let out = '{';
      let first = true;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const v = obj[k];
        if (v === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += quotedKey(k) + canonicalJson(v);
      }
      return out + '}';
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
  }
}

/** A JSON string literal: quotes added to a string that needs no escape, JSON.stringify otherwise. */
export function quotedString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Control characters, quote and backslash are escaped; a surrogate may be a lone one, which
    // JSON.stringify writes as \uXXXX.
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

/**
 * Whether JSON.stringify writes `value` as canonicalJson would: every object in it plain (no
 * prototype but Object's, so no toJSON and no inherited keys) with its keys enumerated in strictly
 * ascending code-unit order (an integer-like key, which V8 enumerates first, fails this unless it
 * also sorts first), every number finite, nothing that canonicalJson refuses. Walks without
 * allocating; false sends the value to the general encoder, which gives the same bytes or the
 * same refusal.
 */
function stringifiesCanonically(value: object): boolean {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!valueStringifiesCanonically(value[i])) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const obj = value as Record<string, unknown>;
  let prev: string | undefined;
  for (const k in obj) {
    if (prev !== undefined && !(prev < k)) return false;
    prev = k;
    if (!valueStringifiesCanonically(obj[k])) return false;
  }
  return true;
}

function valueStringifiesCanonically(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object':
      return v === null || stringifiesCanonically(v);
    default:
      return false;
  }
}

/**
 * Own keys in code-unit order (what `Array.prototype.sort` does with no comparator). Payloads
 * have a handful of keys, where an insertion sort in place beats the general sort's setup.
 */
function sortedKeys(obj: Record<string, unknown>): string[] {
  const keys = Object.keys(obj);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/** `"key":` for the keys payloads use over and over; bounded, so hostile keys cannot grow it. */
const QUOTED_KEYS = new Map<string, string>();
const QUOTED_KEYS_MAX = 4_096;

function quotedKey(k: string): string {
  let q = QUOTED_KEYS.get(k);
  if (q === undefined) {
    q = JSON.stringify(k) + ':';
    if (QUOTED_KEYS.size < QUOTED_KEYS_MAX) QUOTED_KEYS.set(k, q);
  }
  return q;
}

/** Rounds to a fixed number of decimals so float noise below sensor resolution never reaches a trace. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(value * f) / f;
  return Object.is(r, -0) ? 0 : r;
}
