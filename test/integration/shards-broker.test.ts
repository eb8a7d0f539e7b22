import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../harness/broker/embedded-broker.ts';
import { AccessPolicy } from '../../harness/broker/access-policy.ts';
import { resolveScenarioPath } from '../../harness/cli/scenario-path.ts';
import { runScenario, type RunSummary } from '../../harness/run/run-scenario.ts';
import { decodeChunksForTest, shardCredentials } from '../../harness/run/shards/broker-link.ts';
import { loadScenario } from '../../harness/scenario/scenario.ts';
import { requireProgram, startMosquitto } from '../helpers/external-programs.ts';

/**
 * Shards across machines (docs/scale-out.md, "Across machines"): 2 and 3 `msp-twin shard`
 * processes, started as a Kubernetes Indexed Job starts its pods (index from
 * JOB_COMPLETION_INDEX), coordinated only through one broker on 127.0.0.1, give the trace hash of
 * one simulator. Against the embedded aedes with the fleet's access policy (so the shard link
 * needs nothing a stock deployment would refuse), and a stock Mosquitto when installed.
 */
const BIN = join(import.meta.dirname, '../../bin/msp-twin.js');
const SECRET = 'shard-test-secret';
const SCENARIO = 'rollout-uplink-outage';
const SPAN_MS = 2 * 3_600_000;
const mosquitto_bin = requireProgram('mosquitto', 'mosquitto');

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Shard processes as pods: the same command, the index in the environment. */
function startShards(url: string, run: string, count: number): Array<Promise<number | null>> {
  return [...Array(count).keys()].map((i) => {
    const child = spawn(process.execPath, [BIN, 'shard', '--broker', url, '--run', run, '--secret', SECRET], { env: { ...process.env, JOB_COMPLETION_INDEX: String(i) }, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  });
}

let reference: Promise<RunSummary> | undefined;
const oneSimulator = (): Promise<RunSummary> => (reference ??= runScenario(loadScenario(resolveScenarioPath(SCENARIO)), { duration_ms: SPAN_MS, noc: false }));

async function brokerRun(url: string, run: string, count: number): Promise<RunSummary> {
  const exits = startShards(url, run, count);
  const summary = await runScenario(loadScenario(resolveScenarioPath(SCENARIO)), {
    duration_ms: SPAN_MS,
    noc: false,
    shards: count,
    shard_placement: 'broker',
    shard_broker: { transport: { url, credentials: shardCredentials(SECRET), keepalive_s: 0 }, run },
  });
  // Every shard ends when the run does, cleanly.
  expect(await Promise.all(exits)).toEqual(new Array(count).fill(0));
  return summary;
}

describe('shards coordinated through a broker', () => {
  it('the chunk codec carries a value larger than a broker message, in any arrival order', () => {
    const value = { lines: Array.from({ length: 3_000 }, (_, i) => `line ${i} ünïcode ✓`) };
    expect(decodeChunksForTest(value, true)).toEqual(value);
    expect(decodeChunksForTest(value, false)).toEqual(value);
  });

  it('embedded aedes with the fleet ACLs: 2 and 3 shard processes give the one-simulator hash', { timeout: 300_000 }, async () => {
    const broker = await startEmbeddedBroker({ policy: new AccessPolicy({ fleet_secret: SECRET }) });
    try {
      const one = await oneSimulator();
      expect(one.rollouts[0]!.committed).toBeGreaterThan(0);
      const two = await brokerRun(broker.url, 'aedes-2', 2);
      expect(two.trace_hash).toBe(one.trace_hash);
      const three = await brokerRun(broker.url, 'aedes-3', 3);
      expect(three.trace_hash).toBe(one.trace_hash);
      expect(three.rollouts).toEqual(one.rollouts);
    } finally {
      await broker.close();
    }
  });

  it.skipIf(!mosquitto_bin)('stock Mosquitto: 2 shard processes give the one-simulator hash', { timeout: 300_000 }, async () => {
    const broker = await startMosquitto({ stock: true });
    try {
      const two = await brokerRun(broker.url, 'mosquitto-2', 2);
      expect(two.trace_hash).toBe((await oneSimulator()).trace_hash);
    } finally {
      await broker.stop();
    }
  });
});
