import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../harness/run/run-scenario.ts';
import { parseScenario } from '../../harness/scenario/scenario.ts';
import { encodeState } from '../../platform/core/state-codec.ts';
import { withCatalogDefaults } from '../../platform/service/catalog-file.ts';
import { DurablePlatform } from '../../platform/store/durable.ts';
import { SqliteStore } from '../../platform/store/sqlite-store.ts';
import { requireProgram, startMosquitto } from '../helpers/external-programs.ts';

/**
 * The crash test (docs/durability.md): the production platform process (`msp-twin platform
 * --data DIR`, persistent session) against Mosquitto, fed a fixed recorded message stream by a
 * publisher at full speed, `kill -9`ed at seeded points and restarted on the same store. Its final
 * state — incidents, alerts, the SLA ledger, the registry, the rollout audit log: the whole
 * snapshot — must equal an uninterrupted run's, and it must have counted every message exactly
 * once (none lost, none applied twice). `--clock messages` makes the platform's time the stream's
 * own, so the comparison has no wall-clock fields at all.
 */
const mosquitto_bin = requireProgram('mosquitto', 'mosquitto');
const MIN = 60_000;

interface Message {
  topic: string;
  payload: string;
  qos: 0 | 1;
}

function recordedStream(): Promise<Message[]> {
  const text = readFileSync('scenarios/demo.yaml', 'utf8');
  const lines: string[] = [];
  return runScenario(parseScenario(text, 'demo.yaml'), { duration_ms: 40 * MIN, platform: false, trace_sink: (l) => lines.push(l) }).then(() =>
    lines
      .map((l) => JSON.parse(l) as { k: string; topic?: string; p?: unknown; q?: 0 | 1 })
      .filter((l) => l.k === 'pub' && l.topic !== undefined)
      .map((l) => ({ topic: l.topic!, payload: JSON.stringify(l.p), qos: l.q ?? 1 })),
  );
}

/** Seeded kill points (a small LCG: the test's randomness is reproducible). */
function killPoints(seed: number, n: number, count: number): number[] {
  let x = seed >>> 0;
  const next = (): number => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return x / 2 ** 32;
  };
  const points = new Set<number>();
  while (points.size < count) points.add(Math.floor(n * (0.1 + 0.8 * next())));
  return [...points].sort((a, b) => a - b);
}

interface PlatformProcess {
  child: ChildProcess;
  api: string;
  exited: Promise<void>;
}

function startPlatform(broker: string, dir: string): Promise<PlatformProcess> {
  const child = spawn(process.execPath, ['bin/msp-twin.js', 'platform', '--broker', broker, '--api-port', '0', '--data', dir, '--clock', 'messages', '--fleet', 'scenarios/demo.yaml'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /HTTP API (http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/health/.exec(out);
      if (m) resolve({ child, api: m[1]!, exited });
    });
    void exited.then(() => reject(new Error(`platform exited before it was up: ${out}${err}`)));
  });
}

async function health(api: string): Promise<{ ingest: { accepted: number; rejected: number } }> {
  const res = await fetch(`${api}/api/v1/health`);
  return (await res.json()) as { ingest: { accepted: number; rejected: number } };
}

async function feed(stream: readonly Message[], kills: readonly number[]): Promise<{ state: string; audit: string; restarts: number }> {
  const broker = await startMosquitto({ extra_config: ['max_queued_messages 0', 'max_inflight_messages 20'] });
  const dir = mkdtempSync(join(tmpdir(), 'msp-twin-crash-'));
  let platform = await startPlatform(broker.url, dir);
  const publisher = await mqtt.connectAsync(broker.url, { clientId: 'crash-test-publisher', clean: true });
  let restarts = 0;
  try {
    const at = new Set(kills);
    for (let i = 0; i < stream.length; i++) {
      if (at.has(i)) {
        platform.child.kill('SIGKILL');
        await platform.exited;
        platform = await startPlatform(broker.url, dir);
        restarts++;
      }
      const m = stream[i]!;
      // Retain off: a resumed session does not resubscribe, but a test must not depend on it.
      await publisher.publishAsync(m.topic, m.payload, { qos: m.qos, retain: false });
    }
    // Every message counted exactly once: none lost, none applied twice.
    for (let tries = 0; ; tries++) {
      const h = await health(platform.api);
      if (h.ingest.accepted + h.ingest.rejected >= stream.length || tries > 600) {
        expect(h.ingest.accepted + h.ingest.rejected).toBe(stream.length);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    platform.child.kill('SIGTERM');
    await platform.exited;
  } finally {
    platform.child.kill('SIGKILL');
    await publisher.endAsync();
    await broker.stop();
  }
  const store = new SqliteStore(dir);
  try {
    const durable = DurablePlatform.openWith(store, { firmware: withCatalogDefaults([]) }, () => {});
    const audit = encodeState(store.auditLog().map((r) => [r.at_ms, r.body]));
    return { state: encodeState(durable.platform.snapshot()), audit, restarts };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!mosquitto_bin)('crash test: kill -9 the production platform at seeded points', () => {
  it('three kills and restarts on the same --data end in the same state as an uninterrupted run', async () => {
    const stream = await recordedStream();
    expect(stream.length).toBeGreaterThan(1_000);
    const reference = await feed(stream, []);
    const kills = killPoints(17, stream.length, 3);
    const crashed = await feed(stream, kills);
    expect(crashed.restarts).toBe(3);
    const parts = (s: string) => JSON.parse(s) as Record<string, unknown>;
    const ref = parts(reference.state);
    const got = parts(crashed.state);
    for (const part of ['incidents', 'alerts', 'sla', 'registry', 'monitor', 'ingest', 'patching']) expect(encodeState(got[part]), part).toBe(encodeState(ref[part]));
    expect(crashed.state).toBe(reference.state);
    expect(crashed.audit).toBe(reference.audit);
  }, 180_000);
});
