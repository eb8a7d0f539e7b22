import seedrandom from 'seedrandom';
import { SimError } from './errors.ts';

/**
 * Named, seeded random streams. Each stream is derived from the root seed and its own name only
 * (`<root>/<name>`), never from another stream's draws, so adding a device or a fault never
 * shifts the numbers any other device sees (docs/architecture.md, invariant 3). Alea is used for its small state
 * (~40 bytes), which keeps per-device streams cheap at 100k devices.
 */
export class Rng {
  readonly name: string;
  readonly #prng: seedrandom.PRNG;

  constructor(root_seed: string | number, name: string) {
    this.name = name;
    this.#prng = seedrandom.alea(`${root_seed}/${name}`);
  }

  /** Uniform double in [0, 1) with 53 bits of randomness. */
  next(): number {
    return this.#prng.double();
  }

  /** Uniform unsigned 32-bit integer. */
  uint32(): number {
    return this.#prng.int32() >>> 0;
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
}
