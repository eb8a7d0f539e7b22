// Stateless hashing and 1-D value noise.
//
// Weather and other slowly varying world signals are sampled by many devices at arbitrary times.
// Drawing them from an RNG stream would make each value depend on how many draws happened
// before it (i.e. on call order); hashing (seed, lattice index) makes every sample a pure
// function of its coordinates instead. MurmurHash3's round and finaliser are used because they
// are well studied, 32-bit only (Math.imul), and identical on every JS engine.

const TWO_POW_32 = 4_294_967_296;
const HASH_SEED = 0x2f6b1a3d;
const NOISE_SEED = 0x6c8e9cf5;

function mixWord(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let x = h ^ k;
  x = (x << 13) | (x >>> 19);
  return (Math.imul(x, 5) + 0xe6546b64) | 0;
}

function finalise(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

// Feeds a whole JS number, not just its low 32 bits, so millisecond timestamps and negative
// values hash distinctly; a fractional part is mixed in as a third word.
function mixNumber(h: number, value: number): number {
  // Fast path for int32 values (seeds, lattice indices); hashes exactly as the general path.
  if ((value | 0) === value) return mixWord(mixWord(h, value), value < 0 ? -1 : 0);
  const whole = Math.floor(value);
  let x = mixWord(h, whole >>> 0);
  x = mixWord(x, Math.floor(whole / TWO_POW_32) >>> 0);
  const fraction = value - whole;
  if (fraction !== 0) x = mixWord(x, (fraction * TWO_POW_32) >>> 0);
  return x;
}

/** Unsigned 32-bit hash of a sequence of numbers (integers up to 2^53 hash exactly). */
export function hash32(...parts: number[]): number {
  let h = HASH_SEED;
  for (const part of parts) h = mixNumber(h, part);
  return finalise(h ^ parts.length);
}

/** hash32(a, b) without the rest-parameter array, for hot paths. */
export function hash2(a: number, b: number): number {
  return finalise(mixNumber(mixNumber(HASH_SEED, a), b) ^ 2);
}

/** hash32(a, b, c) without the rest-parameter array, for hot paths. */
export function hash3(a: number, b: number, c: number): number {
  return finalise(mixNumber(mixNumber(mixNumber(HASH_SEED, a), b), c) ^ 3);
}

/** Unsigned 32-bit hash of a string's UTF-16 code units (stable across engines and platforms). */
export function stringHash32(s: string): number {
  let h = HASH_SEED;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) h = mixWord(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) h = mixWord(h, s.charCodeAt(i));
  return finalise(h ^ n);
}

/**
 * Smooth 1-D value noise in [-1, 1]: hashed values at integer x, blended with smoothstep so the
 * signal and its slope are continuous (no kinks for thermostats to react to). One lattice unit is
 * the correlation length, so callers scale x by their period (e.g. hours / 36).
 */
export function valueNoise(seed: number, x: number): number {
  const i = Math.floor(x);
  const f = x - i;
  const seeded = mixNumber(NOISE_SEED, seed);
  const a = finalise(mixNumber(seeded, i)) / 2_147_483_647.5 - 1;
  const b = finalise(mixNumber(seeded, i + 1)) / 2_147_483_647.5 - 1;
  const t = f * f * (3 - 2 * f);
  return a + (b - a) * t;
}
