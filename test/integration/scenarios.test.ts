import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { bundledScenarioFiles } from '../../harness/cli/scenario-path.ts';
import { parseXml } from '../helpers/junit-xml-reader.ts';

/**
 * The bundled library in CI: every scenario runs over real MQTT (embedded broker, gateway mode)
 * with its expectations, the long ones with a shortened --duration that still covers their key
 * faults (scenarios/README.md lists full-length runtimes). Then the failure path: a platform rule
 * disabled by the scenario makes the matching expectation fail, exit 1, with the oracle calling
 * the fault missed and the JUnit file saying why.
 */
const CI_DURATION: Record<string, string> = {
  'commercial-portfolio': '1h',
  healthcare: '6h',
  'retail-chain': '7h',
  // A full day: the proactive battery swap, the door wedged open at 16h and the ledger's expectations need it.
  multifamily: '1d',
  // A day: its lossy-link faults run to 13:00, and silent devices are dated from their first
  // missed heartbeat (up to 1.5 h for a lock), a lag the SLA truth expectation cannot absorb in 5 h.
  'smart-home': '1d',
  'broker-storm': '4h 15m',
  demo: '6h',
};
/**
 * The firmware-rollout scenarios run in test/integration/rollouts.test.ts, over MQTT, for the spans
 * their rollouts need; a new bundled scenario must be listed in one place or the other.
 */
const RUN_ELSEWHERE = (name: string): boolean => name.startsWith('rollout-');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) } };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

interface JsonRun {
  passed: boolean;
  trace_hash: string;
  transport: string;
  expectations: Array<{ name: string; status: string; message: string }>;
  oracle: { classes: Array<{ fault: string; missed: number; detected: number }> };
}

const dir = mkdtempSync(join(tmpdir(), 'msp-twin-scenarios-'));

describe('bundled scenarios over MQTT with their expectations', () => {
  const files = bundledScenarioFiles();
  it('the library covers the scenario table, and every bundled scenario has a CI run', () => {
    const names = files.map((f) => basename(f, '.yaml'));
    for (const n of Object.keys(CI_DURATION)) expect(names).toContain(n);
    expect(names.filter((n) => !(n in CI_DURATION) && !RUN_ELSEWHERE(n))).toEqual([]);
  });

  for (const file of files) {
    const name = basename(file, '.yaml');
    const duration = CI_DURATION[name];
    if (duration === undefined) continue;
    it(`${name} (--duration ${duration}) passes its expectations`, async () => {
      const junit = join(dir, `${name}.xml`);
      const r = await cli(['run', name, '--mqtt-mode', 'gateway', '--duration', duration, '--json', '--junit', junit]);
      const out = JSON.parse(r.stdout) as JsonRun;
      const failed = out.expectations.filter((e) => e.status === 'failed');
      expect(failed, r.stderr).toEqual([]);
      expect(r.code).toBe(0);
      expect(out.transport).toBe('mqtt');
      expect(out.expectations.filter((e) => e.status === 'passed').length).toBeGreaterThan(0);
      const suite = parseXml(readFileSync(junit, 'utf8'));
      expect(suite.attrs.failures).toBe('0');
      expect(suite.attrs.tests).toBe(String(out.expectations.length));
    }, 180_000);
  }
});

describe('a broken platform rule fails its expectation', () => {
  it('leak rule disabled: the leak P1 expectation fails with the measured value, exit 1, the oracle reports the leak missed', async () => {
    const demo = readFileSync(join(import.meta.dirname, '../../scenarios/demo.yaml'), 'utf8');
    const broken = join(dir, 'demo-no-leak-rule.yaml');
    writeFileSync(broken, `${demo}\nplatform:\n  rules:\n    leak: { enabled: false }\n`);
    const junit = join(dir, 'broken.xml');
    const r = await cli(['run', broken, '--transport', 'memory', '--duration', '2h', '--json', '--junit', junit]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as JsonRun & { reproduce: string };
    expect(out.passed).toBe(false);
    const leak = out.expectations.find((e) => e.name === 'the leak is a P1 within 2 minutes')!;
    expect(leak.status).toBe('failed');
    // The onset in the site's wall-clock time, and as the offset from the start.
    expect(leak.message).toBe('no P1 incident for fault leak (leak on tower-f02-leak-001, onset 2026-03-10 08:30 America/New_York (+30m)) within 2m');
    expect(out.oracle.classes.find((c) => c.fault === 'leak')).toMatchObject({ missed: 1, detected: 0 });
    // The seed and the exact command to get the same run again, on stderr for CI logs.
    expect(r.stderr).toContain('(seed 5)');
    expect(r.stderr).toContain(`Reproduce: msp-twin run ${broken} --seed 5 --duration "2h" --transport memory`);
    expect(out.reproduce).toBe(`msp-twin run ${broken} --seed 5 --duration "2h" --transport memory`);

    const suite = parseXml(readFileSync(junit, 'utf8')).children.find((c) => c.name === 'testsuite')!;
    const cases = suite.children.filter((c) => c.name === 'testcase');
    const failing = cases.filter((c) => c.children.some((x) => x.name === 'failure'));
    expect(failing.map((c) => c.attrs.name)).toContain('the leak is a P1 within 2 minutes');
    expect(failing.find((c) => c.attrs.name === 'every injected fault was detected')).toBeDefined();
    const f = failing.find((c) => c.attrs.name === 'the leak is a P1 within 2 minutes')!.children.find((x) => x.name === 'failure')!;
    expect(f.text).toContain('measured: none');
    expect(f.text).toContain('reproduce: msp-twin run');
    expect(Number(cases.find((c) => c.attrs.name === 'the leak is a P1 within 2 minutes')!.attrs.line)).toBeGreaterThan(0);

    // The human summary names the failure with its scenario line.
    const human = await cli(['run', broken, '--transport', 'memory', '--duration', '2h']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/FAIL the leak is a P1 within 2 minutes\s+no P1 incident for fault leak .*\(.*demo-no-leak-rule\.yaml:\d+\)/);
  });
});

describe('msp-twin diff on recorded traces', () => {
  it('equal seeds: no difference; different seeds: the first differing line', async () => {
    const rec = (seed: string, n: number) => join(dir, `demo-${seed}-${n}.jsonl`);
    for (const [seed, n] of [['5', 1], ['5', 2], ['6', 1]] as const) {
      const r = await cli(['run', 'demo', '--transport', 'memory', '--duration', '1h', '--seed', seed, '--record', rec(seed, n), '--json']);
      expect(r.code, r.stderr).toBe(0);
    }
    const same = await cli(['diff', rec('5', 1), rec('5', 2)]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^identical: [\d,]+ lines/);
    const other = await cli(['diff', rec('5', 1), rec('6', 1), '--json']);
    expect(other.code).toBe(1);
    const d = JSON.parse(other.stdout) as { equal: boolean; line: number; a: string; b: string };
    expect(d.line).toBe(1);
    expect(d.a).toContain('"seed":"5"');
    expect(d.b).toContain('"seed":"6"');
    const lines = readFileSync(rec('5', 1), 'utf8').split('\n');
    expect(lines.some((l) => l.includes('"k":"fault"'))).toBe(true);
  });
});
