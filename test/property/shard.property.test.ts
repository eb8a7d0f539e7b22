import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildLoadFleet, type LoadFleetSpec } from '../../harness/load/fleet.ts';
import { brokerNodeOf, parseShard, shardOf, shardUnits, workerUnits } from '../../harness/load/shard.ts';

const spec = fc.record({
  seed: fc.string({ minLength: 1, maxLength: 12 }),
  devices: fc.integer({ min: 1, max: 1_200 }),
  mode: fc.constantFrom('per-device' as const, 'gateway' as const),
  per_gateway: fc.integer({ min: 2, max: 60 }),
});

function partition(s: LoadFleetSpec, count: number): string[][] {
  const fleet = buildLoadFleet(s);
  return Array.from({ length: count }, (_, index) => shardUnits(fleet, { index, count }).map((u) => u.client_id));
}

describe('--shard i/n partitions the fleet', () => {
  it("the shards' union is the fleet, with no connection (or device) in two shards", () => {
    fc.assert(
      fc.property(spec, fc.integer({ min: 1, max: 16 }), (s, n) => {
        const fleet = buildLoadFleet(s);
        const parts = Array.from({ length: n }, (_, index) => shardUnits(fleet, { index, count: n }));
        const ids = parts.flat().map((u) => u.client_id);
        expect(ids.length).toBe(fleet.units.length);
        expect(new Set(ids).size).toBe(ids.length);
        expect(new Set(ids)).toEqual(new Set(fleet.units.map((u) => u.client_id)));
        const devices = parts.flat().flatMap((u) => u.devices.map((d) => d.id));
        expect(devices.length).toBe(s.devices);
        expect(new Set(devices).size).toBe(s.devices);
      }),
      { numRuns: 30 },
    );
  });

  it('the same seed gives the same partition, rebuilt from scratch (what every pod of a job does alone)', () => {
    fc.assert(
      fc.property(spec, fc.integer({ min: 1, max: 16 }), (s, n) => {
        expect(partition({ ...s }, n)).toEqual(partition({ ...s }, n));
      }),
      { numRuns: 30 },
    );
  });

  it('growing the fleet never moves an existing connection to another shard', () => {
    fc.assert(
      fc.property(spec, fc.integer({ min: 1, max: 500 }), fc.integer({ min: 2, max: 16 }), (s, more, n) => {
        const small = buildLoadFleet(s);
        const big = buildLoadFleet({ ...s, devices: s.devices + more });
        const where = new Map(big.units.map((u) => [u.client_id, shardOf(s.seed, u.client_id, n)]));
        for (const u of small.units) expect(where.get(u.client_id)).toBe(shardOf(s.seed, u.client_id, n));
      }),
      { numRuns: 30 },
    );
  });

  it('in gateway mode a device is always in its gateway\'s shard', () => {
    fc.assert(
      fc.property(spec, fc.integer({ min: 2, max: 16 }), (s, n) => {
        const fleet = buildLoadFleet({ ...s, mode: 'gateway' });
        for (let index = 0; index < n; index++) {
          for (const u of shardUnits(fleet, { index, count: n })) {
            for (const d of u.devices) expect(d.gateway ?? d.id).toBe(u.client_id);
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  it("worker shares split a shard exactly, within one connection of each other", () => {
    fc.assert(
      fc.property(spec, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 12 }), (s, n, workers) => {
        const units = shardUnits(buildLoadFleet(s), { index: 0, count: n });
        const shares = Array.from({ length: workers }, (_, w) => workerUnits(units, w, workers));
        expect(shares.flat().map((u) => u.client_id).sort()).toEqual(units.map((u) => u.client_id).sort());
        const sizes = shares.map((x) => x.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 30 },
    );
  });

  it('is a hash partition: roughly even, and a different seed partitions differently', () => {
    const s: LoadFleetSpec = { seed: 'load', devices: 8_000, mode: 'per-device', per_gateway: 100 };
    const sizes = partition(s, 4).map((p) => p.length);
    for (const size of sizes) expect(Math.abs(size - 2_000)).toBeLessThan(200);
    expect(partition({ ...s, seed: 'other' }, 4)).not.toEqual(partition(s, 4));
    const nodes = [0, 0, 0];
    for (const u of buildLoadFleet(s).units) nodes[brokerNodeOf(u.client_id, 3)]!++;
    for (const k of nodes) expect(Math.abs(k - 8_000 / 3)).toBeLessThan(300);
  });

  it('parses INDEX/COUNT (0-based, as JOB_COMPLETION_INDEX) and refuses anything else', () => {
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShard(' 3/4 ')).toEqual({ index: 3, count: 4 });
    for (const bad of ['4/4', '1/0', '-1/4', '1of4', '', '0/100001']) expect(() => parseShard(bad)).toThrow(/LOAD_BAD_SHARD/);
  });
});

describe('deploy/k8s: the shards as an Indexed Job', () => {
  const root = join(import.meta.dirname, '../..');
  const docs = parseAllDocuments(readFileSync(join(root, 'deploy/k8s/load-shards-job.yaml'), 'utf8')).map((d) => d.toJS());
  const job = docs.find((d) => d?.kind === 'Job');
  const args: string[] = job.spec.template.spec.containers[0].args;

  it('runs shard $(JOB_COMPLETION_INDEX)/N with N equal to the completions, one pod per shard', () => {
    expect(job.spec.completionMode).toBe('Indexed');
    const n = Number(/^--shard=\$\(JOB_COMPLETION_INDEX\)\/(\d+)$/.exec(args.find((a) => a.startsWith('--shard='))!)?.[1]);
    expect(n).toBe(job.spec.completions);
    expect(job.spec.parallelism).toBe(n);
    // Each pod's share of the fleet, as `--shard i/n` will compute it, covers the fleet exactly.
    const flag = (name: string): string => args.find((a) => a.startsWith(`--${name}=`))!.split('=')[1]!;
    const fleet = buildLoadFleet({ seed: flag('seed'), devices: Number(flag('devices')), mode: flag('mqtt-mode') as 'per-device', per_gateway: 100 });
    const sizes = Array.from({ length: n }, (_, index) => shardUnits(fleet, { index, count: n }).length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(fleet.units.length);
    for (const size of sizes) expect(size).toBeLessThan(19_800 * Number(flag('workers'))); // fits the pod's worker processes
  });

  it('uses only flags that msp-twin load has', () => {
    const main = readFileSync(join(root, 'harness/cli/main.ts'), 'utf8');
    expect(args[0]).toBe('load');
    for (const a of args.slice(1)) {
      const name = /^--(?:no-)?([a-z0-9-]+)/.exec(a)?.[1];
      expect(name, a).toBeDefined();
      expect(main, a).toContain(`.option('${name}'`);
    }
  });
});

describe('deploy/k8s: simulator shards as an Indexed Job with one coordinator (docs/scale-out.md)', () => {
  const root = join(import.meta.dirname, '../..');
  const docs = parseAllDocuments(readFileSync(join(root, 'deploy/k8s/sim-shards.yaml'), 'utf8')).map((d) => d.toJS());
  const shards = docs.find((d) => d?.metadata?.name === 'msp-sim-shards');
  const coordinator = docs.find((d) => d?.metadata?.name === 'msp-sim-coordinator');
  const argsOf = (job: { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } }): string[] => job.spec.template.spec.containers[0]!.args;
  const flag = (args: readonly string[], name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

  it('one pod per shard, the coordinator asking for exactly that many, on the same broker and run id', () => {
    expect(shards.spec.completionMode).toBe('Indexed');
    const n = Number(flag(argsOf(coordinator), 'shards'));
    expect(shards.spec.completions).toBe(n);
    expect(shards.spec.parallelism).toBe(n);
    expect(flag(argsOf(shards), 'run')).toBe(flag(argsOf(coordinator), 'shard-run'));
    expect(flag(argsOf(shards), 'broker')).toBe(flag(argsOf(coordinator), 'shard-broker'));
    // The index comes from the Job, never from a flag that would give every pod the same one.
    expect(flag(argsOf(shards), 'shard-index')).toBeUndefined();
    // What a sharded run requires today: the in-memory platform side, no simulated NOC.
    expect(flag(argsOf(coordinator), 'transport')).toBe('memory');
    expect(argsOf(coordinator)).toContain('--no-noc');
  });

  it('uses only flags that msp-twin has', () => {
    const main = readFileSync(join(root, 'harness/cli/main.ts'), 'utf8');
    expect(argsOf(shards)[0]).toBe('shard');
    expect(argsOf(coordinator)[0]).toBe('run');
    for (const a of [...argsOf(shards).slice(1), ...argsOf(coordinator).slice(2)]) {
      const name = /^--(?:no-)?([a-z0-9-]+)/.exec(a)?.[1];
      expect(name, a).toBeDefined();
      expect(main, a).toContain(`.option('${name}'`);
    }
  });
});
