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
import { CRASH_AT_ENV } from '../../platform/store/crash-points.ts';
import Database from 'better-sqlite3';
import { STORE_FILE } from '../../platform/store/sqlite-store.ts';

/**
 * The crash test (docs/durability.md): the production platform process (`msp-twin platform
 * --data DIR`, persistent session) against Mosquitto, fed a fixed recorded message stream by a
 * publisher at full speed, `kill -9`ed at seeded points and restarted on the same store. Its final
 * state — incidents, alerts, the SLA ledger, the registry, the rollout audit log: the whole
 * snapshot — must equal an uninterrupted run's, and it must have counted every message exactly
 * once (none lost, none applied twice). `--clock messages` makes the platform's time the stream's
 * own, so the comparison has no wall-clock fields at all.
 *
 * The broker runs at its defaults (`startMosquitto({ stock: true })`: a loopback listener and
 * nothing else), so it keeps at most `max_queued_messages` = 1000 QoS 1 messages for the
 * platform's session beyond the 20 in flight (`max_inflight_messages`) and silently drops the rest
 * ("Outgoing messages are being dropped for client …" in its log) — while the platform is down as
 * much as while it is slow. A real publisher would lose messages there; this one must not, or the
 * test would blame the platform for the broker's drop. So the publisher is flow-controlled, like
 * lockstep's windows (`--flow-window`, 500 under the same limit, harness/run/barriers.ts): it keeps
 * at most FLOW_WINDOW messages published but not yet applied by the platform, as the platform
 * itself reports them on `GET /api/v1/health` (`ingest.accepted + ingest.rejected`: after a restart
 * that is what its store committed, so messages lost in a crash count as outstanding again). While
 * the platform is down the count cannot move, the window fills and the publisher stops; it
 * resumes once the restarted platform has drained and committed the queue. The broker then never
 * holds more than FLOW_WINDOW + 20 for the platform, and each run asserts that it dropped nothing:
 * its log has no drop notice and the platform counted the whole stream.
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

interface StartOptions {
  /** Arms a crash point in this process (platform/store/crash-points.ts): `<point>[:<n>]`. */
  crash_at?: string;
  snapshot_every?: string;
}

function startPlatform(broker: string, dir: string, opts: StartOptions = {}): Promise<PlatformProcess & { stderr: () => string; signal: Promise<NodeJS.Signals | null> }> {
  const args = ['bin/msp-twin.js', 'platform', '--broker', broker, '--api-port', '0', '--data', dir, '--clock', 'messages', '--fleet', 'scenarios/demo.yaml'];
  if (opts.snapshot_every !== undefined) args.push('--snapshot-every', opts.snapshot_every);
  const env = { ...process.env };
  delete env[CRASH_AT_ENV];
  if (opts.crash_at !== undefined) env[CRASH_AT_ENV] = opts.crash_at;
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const signal = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
  const exited = signal.then(() => undefined);
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /HTTP API (http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/health/.exec(out);
      if (m) resolve({ child, api: m[1]!, exited, signal, stderr: () => err });
    });
    void exited.then(() => reject(new Error(`platform exited before it was up: ${out}${err}`)));
  });
}

async function health(api: string): Promise<{ ingest: { accepted: number; rejected: number } }> {
  const res = await fetch(`${api}/api/v1/health`);
  return (await res.json()) as { ingest: { accepted: number; rejected: number } };
}

/**
 * At most this many messages published but not yet applied by the platform: a tenth of
 * Mosquitto's default queue, leaving room for the 20 in flight and for redeliveries after a crash.
 * Smaller than the gap between any two seeded kill points (and the last one and the stream's end),
 * so every outage fills it and the test sees the publisher stop for a platform that is down.
 */
const FLOW_WINDOW = 100;
/** What Mosquitto logs (notice, on by default) when it drops a QoS 1 message for a full queue. */
const BROKER_DROP_NOTICE = 'Outgoing messages are being dropped';
const BROKER_DROPPED = "Mosquitto dropped messages for the platform's session (its queue was full): the test, not the platform, lost them";

/** The platform's count of messages applied (after a restart, committed), or undefined while it is down. */
async function consumed(api: string): Promise<number | undefined> {
  const h = await health(api).catch(() => undefined);
  return h === undefined ? undefined : h.ingest.accepted + h.ingest.rejected;
}

interface Feed {
  state: string;
  audit: string;
  restarts: number;
  /** Outages during which the publisher found its window full and stopped until the platform was back. */
  full_while_down: number;
  /** The most messages ever outstanding toward the platform's session, by the platform's own count. */
  max_outstanding: number;
}

/**
 * Publishes the stream in order with a flow window; at each kill point `kill -9`s the platform.
 * The platform stays down while the publisher goes on, until the window is full (or the next kill
 * point, or the end of the stream) — an outage long enough for the broker to hold a full window for
 * the dead session — and then restarts on the same --data.
 */
async function feed(stream: readonly Message[], kills: readonly number[]): Promise<Feed> {
  const broker = await startMosquitto({ stock: true });
  const dir = mkdtempSync(join(tmpdir(), 'msp-twin-crash-'));
  let platform: Awaited<ReturnType<typeof startPlatform>> | undefined = await startPlatform(broker.url, dir);
  let last = platform;
  const publisher = await mqtt.connectAsync(broker.url, { clientId: 'crash-test-publisher', clean: true });
  let restarts = 0;
  let full_while_down = 0;
  let max_outstanding = 0;
  let applied = 0;
  const restart = async (): Promise<void> => {
    last = platform = await startPlatform(broker.url, dir);
    restarts++;
  };
  try {
    const at = new Set(kills);
    for (let i = 0; i < stream.length; i++) {
      if (at.has(i)) {
        if (platform === undefined) await restart();
        platform!.child.kill('SIGKILL');
        await platform!.exited;
        platform = undefined;
      }
      // Wait for room: the platform's count, not a guess, says what the broker still holds for it.
      while (i - applied >= FLOW_WINDOW) {
        if (platform === undefined) {
          // Full while the platform is down: its count cannot move until it is back.
          full_while_down++;
          await restart();
        }
        applied = (await consumed(platform!.api)) ?? applied;
        if (i - applied >= FLOW_WINDOW) await new Promise((r) => setTimeout(r, 5));
      }
      const m = stream[i]!;
      // Retain off: a resumed session does not resubscribe, but a test must not depend on it.
      await publisher.publishAsync(m.topic, m.payload, { qos: m.qos, retain: false });
      max_outstanding = Math.max(max_outstanding, i + 1 - applied);
    }
    if (platform === undefined) await restart();
    // The broker dropped nothing (said at once, before counting waits for what will never come)…
    expect(broker.log(), BROKER_DROPPED).not.toContain(BROKER_DROP_NOTICE);
    // …and every message was counted exactly once: none lost, none applied twice.
    await countedOnce(platform!.api, stream.length);
    platform!.child.kill('SIGTERM');
    await platform!.exited;
    expect(broker.log(), BROKER_DROPPED).not.toContain(BROKER_DROP_NOTICE);
  } finally {
    last.child.kill('SIGKILL');
    await publisher.endAsync();
    await broker.stop();
  }
  return { ...finalState(dir), restarts, full_while_down, max_outstanding };
}

/** The platform's final state and audit log as its store holds them (then the store is removed). */
function finalState(dir: string): { state: string; audit: string } {
  const store = new SqliteStore(dir);
  try {
    const durable = DurablePlatform.openWith(store, { firmware: withCatalogDefaults([]) }, () => {});
    const audit = encodeState(store.auditLog().map((r) => [r.at_ms, r.body]));
    return { state: encodeState(durable.platform.snapshot()), audit };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits until the platform has counted the whole stream; asserts it counted each message once. */
async function countedOnce(api: string, total: number): Promise<void> {
  for (let tries = 0; ; tries++) {
    const h = await health(api);
    if (h.ingest.accepted + h.ingest.rejected >= total || tries > 1_200) {
      expect(h.ingest.accepted + h.ingest.rejected).toBe(total);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Resolves true once the platform has counted `total` messages, false if it dies first; throws
 * when its count stops short for 20 s (a lost message never arrives).
 */
async function counted(api: string, total: number, exit: Promise<unknown>): Promise<boolean> {
  let dead = false;
  void exit.then(() => (dead = true));
  let last = -1;
  let since = Date.now();
  while (!dead) {
    const h = await health(api).catch(() => null);
    const n = h ? h.ingest.accepted + h.ingest.rejected : -1;
    if (n >= total) return true;
    if (n !== last) [last, since] = [n, Date.now()];
    else if (Date.now() - since > 20_000) throw new Error(`the platform's count stopped at ${n} of ${total} messages published: messages were lost`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

interface StoreView {
  snapshots: number[];
  first_seq: number;
  last_seq: number;
}

/** What the store holds right after a crash, read before anything restarts on it. */
function storeView(dir: string): StoreView {
  const db = new Database(join(dir, STORE_FILE), { readonly: true });
  try {
    const snapshots = (db.prepare('SELECT seq FROM snapshots ORDER BY seq').all() as Array<{ seq: number }>).map((r) => r.seq);
    const j = db.prepare('SELECT MIN(seq) AS first, MAX(last) AS last FROM journal').get() as { first: number; last: number };
    return { snapshots, first_seq: j.first, last_seq: j.last };
  } finally {
    db.close();
  }
}

interface Fired {
  point: string;
  line: string;
  signal: NodeJS.Signals | null;
  after: StoreView;
}

/**
 * The stream published in slices while platforms run on one --data with frequent snapshots;
 * platform k runs with crash point `faults[k]` armed and kills itself there; the next one starts
 * on the same store and drains what the broker kept. A slice is published once the platform has
 * counted the one before, so the stream reaches it in many commits (a backlog would arrive in a
 * few large groups, with few chances to snapshot). Returns the final state and, per crash, the
 * evidence of where it landed.
 */
async function feedWithCrashPoints(stream: readonly Message[], faults: readonly string[]): Promise<{ state: string; audit: string; fired: Fired[] }> {
  const broker = await startMosquitto({ stock: true });
  const dir = mkdtempSync(join(tmpdir(), 'msp-twin-crash-points-'));
  const snapshot_every = '2m';
  const slice = 25;
  const fired: Fired[] = [];
  let platform = await startPlatform(broker.url, dir, { crash_at: faults[0], snapshot_every });
  const publisher = await mqtt.connectAsync(broker.url, { clientId: 'crash-point-publisher', clean: true });
  try {
    for (let i = 0; i < stream.length; i += slice) {
      for (const m of stream.slice(i, i + slice)) await publisher.publishAsync(m.topic, m.payload, { qos: m.qos, retain: false });
      const published = Math.min(stream.length, i + slice);
      // The armed platform kills itself at its crash point; nothing here sends it a signal.
      while (!(await counted(platform.api, published, platform.signal))) {
        const k = fired.length;
        const line = /fault injection: .*/.exec(platform.stderr())?.[0] ?? `(died without firing ${faults[k]}: ${platform.stderr()})`;
        fired.push({ point: faults[k] ?? '(none armed)', line, signal: await platform.signal, after: storeView(dir) });
        platform = await startPlatform(broker.url, dir, { crash_at: faults[k + 1], snapshot_every });
      }
    }
    if (fired.length < faults.length) throw new Error(`crash point ${faults[fired.length]} was never reached. The platform's stderr:\n${platform.stderr()}`);
    await countedOnce(platform.api, stream.length);
    platform.child.kill('SIGTERM');
    await platform.exited;
    expect(broker.log(), BROKER_DROPPED).not.toContain(BROKER_DROP_NOTICE);
  } finally {
    platform.child.kill('SIGKILL');
    await publisher.endAsync();
    await broker.stop();
  }
  return { ...finalState(dir), fired };
}

let reference: Promise<Feed & { stream: Message[] }> | undefined;
/** The stream and the uninterrupted run's final state, shared by the tests below. */
function uninterrupted(): Promise<Feed & { stream: Message[] }> {
  reference ??= recordedStream().then(async (stream) => ({ stream, ...(await feed(stream, [])) }));
  return reference;
}

function expectSameState(got: { state: string; audit: string }, ref: { state: string; audit: string }): void {
  const parts = (s: string) => JSON.parse(s) as Record<string, unknown>;
  for (const part of ['incidents', 'alerts', 'sla', 'registry', 'monitor', 'ingest', 'patching']) expect(encodeState(parts(got.state)[part]), part).toBe(encodeState(parts(ref.state)[part]));
  expect(got.state).toBe(ref.state);
  expect(got.audit).toBe(ref.audit);
}

describe.skipIf(!mosquitto_bin)('crash test: kill -9 the production platform at seeded points', () => {
  it('three kills and restarts on the same --data end in the same state as an uninterrupted run', async () => {
    const ref = await uninterrupted();
    expect(ref.stream.length).toBeGreaterThan(1_000);
    const kills = killPoints(17, ref.stream.length, 3);
    const crashed = await feed(ref.stream, kills);
    expect(crashed.restarts).toBe(3);
    // Each outage filled the window: the publisher stopped for a platform that was down, and the
    // broker held the window for its session until the restarted platform drained it.
    expect(crashed.full_while_down).toBe(3);
    expect(crashed.max_outstanding).toBeLessThanOrEqual(FLOW_WINDOW);
    expect(ref.max_outstanding).toBeLessThanOrEqual(FLOW_WINDOW);
    expectSameState(crashed, ref);
  }, 300_000);

  it('kill -9 inside a commit, a snapshot and a compaction (crash points): same state, nothing lost or applied twice', async () => {
    const ref = await uninterrupted();
    // Platform 1 dies in its 3rd commit (rows written, PUBACKs held); platform 2 in its 3rd
    // snapshot; platform 3 in its 2nd compaction; platform 4 runs to the end.
    const faults = ['commit:3', 'snapshot:3', 'compaction:2'];
    const crashed = await feedWithCrashPoints(ref.stream, faults);
    expect(crashed.fired.map((f) => f.point)).toEqual(faults);
    for (const f of crashed.fired) {
      // Killed by its own SIGKILL at the named point, inside the transaction.
      expect(f.signal, f.line).toBe('SIGKILL');
      expect(f.line).toMatch(/^fault injection: SIGKILL inside /);
    }
    const [commit, snapshot, compaction] = crashed.fired as [Fired, Fired, Fired];
    // The store proves each transaction was cut before its commit: what it was writing is not there.
    const rows = /records (\d+)–(\d+)/.exec(commit.line)!;
    expect(commit.after.last_seq).toBe(Number(rows[1]) - 1);
    const snap = Number(/snapshot of record (\d+)/.exec(snapshot.line)![1]);
    expect(snapshot.after.snapshots).not.toContain(snap);
    expect(snapshot.after.last_seq).toBeGreaterThanOrEqual(snap);
    const from = Number(/keeping from record (\d+)/.exec(compaction.line)![1]);
    expect(compaction.line).toMatch(/: [1-9]\d* snapshots and [1-9]\d* journal rows deleted/);
    expect(compaction.after.snapshots.length).toBe(3);
    expect(compaction.after.snapshots.filter((s) => s < from).length).toBeGreaterThan(0);
    expect(compaction.after.first_seq).toBeLessThanOrEqual(from);
    expectSameState(crashed, ref);
  }, 300_000);
});
