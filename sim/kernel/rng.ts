import { SimError } from './errors.ts';

/**
 * Johannes Baagøe's Mash hash, as seedrandom's Alea seeds with it: the same seed string gives the
 * same three starting fractions, so every stream stays bit-for-bit what `seedrandom.alea` gave.
 */
function mashSeed(seed: string): [number, number, number] {
  let n = 0xefc8249d;
  const mash = (data: string): number => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000; // 2^32
    }
    return (n >>> 0) * 2.3283064365386963e-10; // 2^-32
  };
  let s0 = mash(' ');
  let s1 = mash(' ');
  let s2 = mash(' ');
  s0 -= mash(seed);
  if (s0 < 0) s0 += 1;
  s1 -= mash(seed);
  if (s1 < 0) s1 += 1;
  s2 -= mash(seed);
  if (s2 < 0) s2 += 1;
  return [s0, s1, s2];
}

/**
 * Named, seeded random streams. Each stream is derived from the root seed and its own name only
 * (`<root>/<name>`), never from another stream's draws, so adding a device or a fault never
 * shifts the numbers any other device sees (docs/architecture.md, invariant 3). Alea is used for its small state
 * (~40 bytes), which keeps per-device streams cheap at 100k devices.
 */
/**
 * Streams' states, 256 to a slab: one typed array per stream cost about 230 bytes (the array, its
 * buffer and the buffer's store) for 32 bytes of state, and a fleet holds a stream per device
 * (docs/performance.md, "Memory per device"). A slab lives as long as any of its streams does.
 */
const SLAB_STREAMS = 256;
let slab = new Float64Array(4 * SLAB_STREAMS);
let slab_used = 0;

function claimState(): { slab: Float64Array; at: number } {
  if (slab_used === SLAB_STREAMS) {
    slab = new Float64Array(4 * SLAB_STREAMS);
    slab_used = 0;
  }
  return { slab, at: 4 * slab_used++ };
}

export class Rng {
  // The name as two parts (a scope such as 'device/' and an id the caller holds anyway) rather
  // than one concatenated string: V8 keeps `a + b` as a 32-byte rope per stream, one per device.
  readonly #scope: string;
  readonly #id: string;
  /**
   * Alea's state (s0, s1, s2, carry) at `#at` in a typed array shared with other streams rather
   * than seedrandom's closures and boxed fields: a draw touches two objects instead of about
   * seven, which matters when thousands of devices draw in turn and none of their state is in
   * cache (docs/performance.md).
   */
  readonly #state: Float64Array;
  readonly #at: number;

  /** `name` + `id` is the stream's name (its seed is `<root>/<name><id>`); `id` defaults to none. */
  constructor(root_seed: string | number, name: string, id = '') {
    this.#scope = name;
    this.#id = id;
    const [s0, s1, s2] = mashSeed(`${root_seed}/${name}${id}`);
    const claimed = claimState();
    const st = (this.#state = claimed.slab);
    const o = (this.#at = claimed.at);
    st[o] = s0;
    st[o + 1] = s1;
    st[o + 2] = s2;
    st[o + 3] = 1;
  }

  get name(): string {
    return this.#scope + this.#id;
  }

  /** One Alea step: a fraction in [0, 1) with 32 bits of randomness (seedrandom's `alea()`). */
  #step(): number {
    const st = this.#state;
    const o = this.#at;
    const t = 2091639 * st[o]! + st[o + 3]! * 2.3283064365386963e-10; // 2^-32
    st[o] = st[o + 1]!;
    st[o + 1] = st[o + 2]!;
    const c = t | 0;
    st[o + 3] = c;
    return (st[o + 2] = t - c);
  }

  /** Uniform double in [0, 1) with 53 bits of randomness. */
  next(): number {
    return this.#step() + ((this.#step() * 0x200000) | 0) * 1.1102230246251565e-16; // 2^-53
  }

  /** Uniform unsigned 32-bit integer. */
  uint32(): number {
    return ((this.#step() * 0x100000000) | 0) >>> 0;
  }

  /** Uniform integer in [lo, hi], both inclusive, without modulo bias (rejection sampling). */
  int(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
      throw new SimError('SIM_INVALID_ARGUMENT', `rng ${this.name}: int(${lo}, ${hi}) needs integers lo <= hi`);
    }
    const span = hi - lo + 1;
    if (span > 0x1_0000_0000) return lo + Math.floor(this.next() * span);
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % span);
    for (let tries = 0; tries < 64; tries++) {
      const x = this.uint32();
      if (x < limit) return lo + (x % span);
    }
    // 64 rejections in a row has probability < 2^-64; falling back keeps the loop bounded.
    return lo + (this.uint32() % span);
  }

  /**
   * True with probability exactly numerator/denominator. Integer ratios keep rare-event decisions
   * (boot failures, 7 in 100 bricked) exact and free of float rounding across platforms.
   */
  chance(numerator: number, denominator: number): boolean {
    if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0 || numerator < 0) {
      throw new SimError('SIM_INVALID_ARGUMENT', `rng ${this.name}: chance(${numerator}, ${denominator}) needs integers with denominator > 0`);
    }
    if (numerator >= denominator) return true;
    if (numerator === 0) return false;
    return this.int(0, denominator - 1) < numerator;
  }

  /** Uniform double in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Normal deviate (Box–Muller; one draw pair per call keeps the stream's position simple). */
  normal(mean: number, sd: number): number {
    const u1 = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    const u2 = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Exponential deviate with the given mean (inter-arrival times of Poisson processes). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Poisson count with the given mean (Knuth for small means, normal approximation above 30). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(this.normal(mean, Math.sqrt(mean))));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit && k < 1000) {
      k++;
      p *= this.next();
    }
    return k;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new SimError('SIM_INVALID_ARGUMENT', `rng ${this.name}: pick from an empty list`);
    return items[this.int(0, items.length - 1)]!;
  }
}

/** The tree of streams for one run: `streams.get('device/occ-0001')`. */
export class RngTree {
  readonly root_seed: string;
  readonly #streams = new Map<string, Rng>();

  constructor(root_seed: string | number) {
    this.root_seed = String(root_seed);
  }

  get(name: string): Rng {
    let rng = this.#streams.get(name);
    if (rng === undefined) {
      rng = new Rng(this.root_seed, name);
      this.#streams.set(name, rng);
    }
    return rng;
  }

  /**
   * A stream the caller owns and that the tree does not remember: the same numbers as `get(scope + id)`
   * would give the first time. For the one stream of each device, asked for once when the twin is
   * built; keeping all of them in the tree's map as well cost ~50 bytes a device for nothing.
   * Asking `get` for the same name afterwards would start the sequence again, so use it only for
   * names nothing else asks for.
   */
  owned(scope: string, id = ''): Rng {
    const name = scope + id;
    if (this.#streams.has(name)) throw new SimError('SIM_INVALID_ARGUMENT', `rng ${name}: already handed out by get(); an owned stream must be the only one of its name`);
    return new Rng(this.root_seed, scope, id);
  }
}
