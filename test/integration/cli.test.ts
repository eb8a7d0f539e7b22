import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { traceTextDigest } from '../../sim/kernel/trace.ts';

const BIN = join(import.meta.dirname, '../../bin/msp-twin.js');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) } };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

function spawnCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const FLAGSHIP = 'scenarios/commercial-portfolio.yaml';

describe('msp-twin run (flagship, in-process)', () => {
  it('prints the same trace hash for the same seed twice and another for seed 8', async () => {
    const runs: Array<{ trace_hash: string; devices: number; messages: number }> = [];
    for (const seed of ['7', '7', '8']) {
      // The in-memory bus gives the same hash as MQTT (proved in mqtt-lockstep.test.ts) at a
      // third of the cost, which keeps three full simulated days of the flagship affordable in CI.
      const r = await cli(['run', FLAGSHIP, '--seed', seed, '--duration', '1d', '--transport', 'memory', '--json']);
      expect(r.code, r.stderr).toBe(0);
      runs.push(JSON.parse(r.stdout));
    }
    expect(runs[0]!.trace_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(runs[1]!.trace_hash).toBe(runs[0]!.trace_hash);
    expect(runs[2]!.trace_hash).not.toBe(runs[0]!.trace_hash);
    expect(runs[0]!.devices).toBeGreaterThanOrEqual(4000);
    expect(runs[0]!.messages).toBeGreaterThan(100_000);
  }, 480_000); // three simulated days of 4,500 devices with the platform in the loop

  it('the human summary names the trace hash as 64 hex digits, and --out writes a trace whose digest matches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'msp-twin-run-'));
    const r = await cli(['run', 'commercial-portfolio', '--duration', '2h', '--mqtt-mode', 'gateway', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    const hash = /trace hash {2}([0-9a-f]{64})/.exec(r.stdout)?.[1];
    expect(hash).toBeDefined();
    expect(r.stdout).toMatch(/occupancy\s+1,200/);
    const lines = readFileSync(join(dir, 'trace.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(traceTextDigest(lines)).toBe(hash);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.trace_hash).toBe(hash);
    // Every message the sim published reached the subscriber, plus the wills the broker sent.
    expect(summary.received_by_monitor).toBe(summary.messages + summary.wills);
  });

  it('the flagship over real MQTT (embedded broker, gateway mode) prints the in-memory hash', async () => {
    const mqtt = await cli(['run', FLAGSHIP, '--duration', '3h', '--mqtt-mode', 'gateway', '--json']);
    const memory = await cli(['run', FLAGSHIP, '--duration', '3h', '--transport', 'memory', '--json']);
    expect(mqtt.code, mqtt.stderr).toBe(0);
    const a = JSON.parse(mqtt.stdout) as { trace_hash: string; transport: string; connections: number };
    const b = JSON.parse(memory.stdout) as { trace_hash: string };
    expect(a.transport).toBe('mqtt');
    expect(a.connections).toBe(100);
    expect(a.trace_hash).toBe(b.trace_hash);
  });

  it('lists the bundled scenarios', async () => {
    const r = await cli(['scenarios']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/commercial-portfolio\s+4,500/);
  });
});

describe('msp-twin CLI errors (spawned binary)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msp-twin-bad-'));
  const good = readFileSync(FLAGSHIP, 'utf8');
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('an unknown key exits 2 with file:line:col and a did-you-mean', () => {
    const p = write('typo.yaml', good.replace('          zones_per_floor: 6\n          per_zone: { occupancy: 2, env: 1, hvac: 1, lighting: 3 }\n          per_floor: { lock: 1, leak: 1 }\n          firmware:', '          zones_per_flor: 6\n          per_zone: { occupancy: 2, env: 1, hvac: 1, lighting: 3 }\n          per_floor: { lock: 1, leak: 1 }\n          firmware:'));
    const line = good.split('\n').findIndex((l) => l.includes('zones_per_floor: 6')) + 1;
    const r = spawnCli(['run', p, '--duration', '1h']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`${p}:${line}:11: unknown key "zones_per_flor" in fleet.sites[0].buildings[0] (did you mean "zones_per_floor"?)`);
  });

  it('a wrong type and a bad duration are reported with their lines', () => {
    const p = write('types.yaml', good.replace(/^duration: .*$/m, 'duration: soon').replace('          floors: 10', '          floors: ten'));
    const r = spawnCli(['run', p]);
    expect(r.code).toBe(2);
    const [first, second] = r.stderr.split('\n');
    const dline = good.split('\n').findIndex((l) => l.startsWith('duration:')) + 1;
    const fline = good.split('\n').findIndex((l) => l.includes('floors: 10')) + 1;
    expect(first).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${dline}:\\d+: duration: expected a duration like`));
    expect(second).toMatch(new RegExp(`:${fline}:\\d+: fleet\\.sites\\[0\\]\\.buildings\\[0\\]\\.floors: expected a number`));
  });

  it('an unknown model gets a did-you-mean; a missing file and a bad flag exit 2 with one line', () => {
    const p = write('model.yaml', good.replace('models: { hvac: HVAC-ZC-500 }', 'models: { hvac: HVAC-ZC-50 }'));
    const r = spawnCli(['run', p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/did you mean "HVAC-ZC-500"/);
    const missing = spawnCli(['run', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/cannot read scenario file/);
    const flag = spawnCli(['run', FLAGSHIP, '--sed', '3']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^error: .*sed/);
    const dur = spawnCli(['run', FLAGSHIP, '--duration', 'forever']);
    expect(dur.code).toBe(2);
    expect(dur.stderr).toMatch(/^error: .*duration/);
  });

  it('shards coordinated through a TLS broker read --ca like run does: a missing CA file is one line naming it', async () => {
    const shard = await cli(['shard', '--broker', 'mqtts://127.0.0.1:8883', '--shard-index', '0', '--ca', join(dir, 'no-ca.pem')]);
    expect(shard.code).toBe(2);
    expect(shard.stderr.trim().split('\n')).toHaveLength(1);
    expect(shard.stderr).toContain(`cannot read the CA file ${join(dir, 'no-ca.pem')}`);
    const coordinator = await cli(['run', FLAGSHIP, '--transport', 'memory', '--no-noc', '--shards', '2', '--shard-broker', 'mqtts://127.0.0.1:8883', '--ca', join(dir, 'no-ca.pem')]);
    expect(coordinator.code).toBe(2);
    expect(coordinator.stderr).toContain(`cannot read the CA file ${join(dir, 'no-ca.pem')}`);
  });

  it('--shards 1 or 2 on the default MQTT transport is refused in one line before any broker starts', async () => {
    // 1 is a simulator process of its own too (the split's machinery), not "one process".
    for (const n of ['2', '1']) {
      const r = await cli(['run', FLAGSHIP, '--shards', n, '--no-noc']);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`--shards ${n}: shards run on the in-memory bus only so far: add --transport memory`);
      if (n === '1') expect(r.stderr).toContain('--shards 0 keeps the simulator in this process');
      expect(r.stderr).not.toMatch(/^broker:/m);
    }
  });

  it('--shards 1 says in the summary\'s first line that the simulator ran in a process of its own, with the one-process hash', async () => {
    const args = ['run', 'test/fixtures/small-office.yaml', '--transport', 'memory', '--duration', '2h'];
    const one = await cli([...args, '--shards', '1']);
    const zero = await cli([...args, '--shards', '0']);
    expect(one.code, one.stderr).toBe(0);
    expect(zero.code, zero.stderr).toBe(0);
    expect(one.stdout.split('\n')[0]).toMatch(/lockstep steps, 1 simulator process\)$/);
    expect(zero.stdout.split('\n')[0]).toMatch(/lockstep steps\)$/);
    const hash = (out: string): string | undefined => /trace hash\s+([0-9a-f]{64})/.exec(out)?.[1];
    expect(hash(one.stdout)).toMatch(/^[0-9a-f]{64}$/);
    expect(hash(one.stdout)).toBe(hash(zero.stdout));
  });

  it('--shards -1 is refused in one line that says 0 keeps the simulator in the run\'s process', async () => {
    const r = await cli(['run', FLAGSHIP, '--transport', 'memory', '--shards', '-1', '--duration', '1m']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--shards -1: the shard count must be a whole number from 0 (the simulator in this process) to 64');
  });
});

describe('msp-twin diff', () => {
  it('reports no difference for equal seeds and the first differing line for different seeds', async () => {
    const dirs = ['7', '7', '8'].map((seed) => {
      const dir = mkdtempSync(join(tmpdir(), `msp-twin-diff-${seed}-`));
      return { seed, dir };
    });
    for (const { seed, dir } of dirs) {
      const r = await cli(['run', 'test/fixtures/small-office.yaml', '--transport', 'memory', '--duration', '3h', '--seed', seed, '--out', dir, '--json']);
      expect(r.code, r.stderr).toBe(0);
    }
    const same = await cli(['diff', dirs[0]!.dir, join(dirs[1]!.dir, 'trace.jsonl')]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^identical: [\d,]+ lines/);
    const other = await cli(['diff', dirs[0]!.dir, dirs[2]!.dir, '--json']);
    expect(other.code).toBe(1);
    const d = JSON.parse(other.stdout) as { equal: boolean; line: number; a: string; b: string };
    expect(d.equal).toBe(false);
    // The first line is the run header, which names the seed: that is where they part.
    expect(d.line).toBe(1);
    expect(d.a).toContain('"seed":"7"');
    expect(d.b).toContain('"seed":"8"');
    const missing = await cli(['diff', dirs[0]!.dir, '/nonexistent/trace.jsonl']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/DIFF_NOT_FOUND/);
  });
});
