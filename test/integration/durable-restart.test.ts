import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario, type RunOptions, type RunSummary } from '../../harness/run/run-scenario.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';
import { SqliteStore } from '../../platform/store/sqlite-store.ts';
import { decodeState } from '../../platform/core/state-codec.ts';

/**
 * The simulator's `platform_restart` with a store: the platform process dies and a new one comes
 * back from the store (snapshot + journal tail replayed). The reference is the same run with no
 * store, where the platform object simply lives on through the restart — perfect memory. Equal
 * trace hashes mean the store lost nothing and the replay re-decided nothing differently.
 */
const MIN = 60_000;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// The clean lighting rollout, with the platform restarted twice inside the install windows
// (New York's opens at 14h in, Chicago's at 15h, Denver's at 16h): waves are mid-flight.
const TIMELINE = `timeline:
  - { id: crash-1, at: 14h25m, action: outage.start, outage: platform_restart, for: 20m }
  - { id: crash-2, at: 16h10m, action: outage.start, outage: platform_restart, for: 7m }
`;

function scenario() {
  const text = readFileSync('scenarios/rollout-lighting-clean.yaml', 'utf8');
  return parseScenario(`${text}\n${TIMELINE}`, 'rollout-lighting-clean+restarts.yaml');
}

interface Line {
  t: number;
  k: string;
  id?: string;
  ev?: string;
  d?: string;
  a?: string;
}

async function run(options: RunOptions): Promise<{ summary: RunSummary; lines: Line[]; raw: string[] }> {
  const raw: string[] = [];
  const summary = await runScenario(scenario(), { ...options, duration_ms: 17 * 60 * MIN, durability: { snapshot_every_ms: 30 * MIN, keep_snapshots: 2 }, trace_sink: (l) => raw.push(l) });
  return { summary, lines: raw.map((l) => JSON.parse(l) as Line), raw };
}

describe('platform_restart recovers the platform from its store', () => {
  it('memory store, SQLite store and perfect memory give the same trace; the rollout resumes mid-wave', async () => {
    const reference = await run({ platform_store: 'none' });
    const memory = await run({});
    const dir = mkdtempSync(join(tmpdir(), 'msp-twin-store-'));
    dirs.push(dir);
    const disk = await run({ data_dir: dir });

    expect(reference.summary.store).toBeNull();
    expect(memory.summary.store).toMatchObject({ location: 'memory', restarts: 2 });
    expect(disk.summary.store).toMatchObject({ location: dir, restarts: 2 });
    // The restarts replayed a journal tail after a snapshot (30 min cadence, so both were used).
    expect(memory.summary.store!.replayed_inputs).toBeGreaterThan(0);
    expect(memory.summary.store!.snapshots).toBe(2);
    expect(memory.summary.trace_hash).toBe(reference.summary.trace_hash);
    expect(disk.summary.trace_hash).toBe(reference.summary.trace_hash);

    // The rollout was mid-wave at the first crash: some devices done, some still to go.
    const rollout = memory.lines.filter((l) => l.k === 'p.rollout' && l.id === 'lighting-420');
    const crash_at = memory.summary.start_ms + (14 * 60 + 25) * MIN;
    const installs = (ls: Line[]) => ls.filter((l) => l.ev === 'install');
    expect(installs(rollout.filter((l) => l.t < crash_at)).length).toBeGreaterThan(0);
    expect(installs(rollout.filter((l) => l.t >= crash_at)).length).toBeGreaterThan(0);
    // No device updated twice, none forgotten: one install command per device that succeeded.
    const install_cmds = memory.lines.filter((l) => l.k === 'cmd' && l.a === 'install').map((l) => l.d!);
    expect(new Set(install_cmds).size).toBe(install_cmds.length);
    const succeeded = rollout.filter((l) => l.ev === 'succeeded').map((l) => l.d!);
    expect(new Set(succeeded).size).toBe(succeeded.length);
    expect([...succeeded].sort()).toEqual([...install_cmds].sort());
    const status = memory.summary.platform!.rollouts.find((r) => r.id === 'lighting-420')!;
    expect(status.counts.succeeded).toBe(succeeded.length);

    // The audit log in the store is continuous: every p.rollout decision of the run, in order.
    const store = new SqliteStore(dir);
    try {
      const audit = store.auditLog().map((r) => ({ t: r.at_ms, ...decodeState<Record<string, unknown>>(r.body) }));
      const traced = disk.lines.filter((l) => l.k === 'p.rollout').map(({ k: _k, ...rest }) => rest);
      expect(audit).toEqual(traced);
    } finally {
      store.close();
    }
  }, 120_000);
});
