/**
 * Lockstep against a Mosquitto at its default settings (docs/architecture.md, "Flow control"): a
 * stock broker queues at most 1,000 QoS 1 messages per subscriber, and a flagship step carries
 * over 4,000. The harness must carry every step anyway, give the memory hash, fail a broken run
 * with exit code 4 naming what went missing, and leave nothing published after a run.
 */
import mqtt from 'mqtt';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { runScenario, type MqttMode } from '../../harness/run/run-scenario.ts';
import { setUpMqtt } from '../../harness/run/mqtt-setup.ts';
import { DEFAULT_DEV_SECRET } from '../../platform/contract/credentials.ts';
import { generatePortfolio } from '../../sim/world/generate.ts';
import { loadScenario } from '../../harness/scenario/scenario.ts';
import { requireProgram, startMosquitto } from '../helpers/external-programs.ts';
import { captureIo } from '../helpers/capture-io.ts';

const mosquitto_bin = requireProgram('mosquitto', 'mosquitto');
const FLAGSHIP = loadScenario('scenarios/commercial-portfolio.yaml');
const SMALL = 'test/fixtures/small-office.yaml';
const SPAN_MS = 2 * 3_600_000;

describe('transport failures explain themselves', () => {
  it('an unreachable broker fails within 10 s with exit code 4, naming the URL', async () => {
    const c = captureIo();
    const t0 = performance.now();
    const code = await main(['run', SMALL, '--broker', 'mqtt://127.0.0.1:1', '--duration', '10m'], c.io);
    const elapsed_ms = performance.now() - t0;
    expect(code).toBe(4);
    expect(elapsed_ms).toBeLessThan(10_000);
    expect(c.err()).toContain('TRANSPORT_CONNECT');
    expect(c.err()).toContain('mqtt://127.0.0.1:1');
  }, 20_000);
});

describe.skipIf(!mosquitto_bin)('stock Mosquitto (listener + allow_anonymous only)', () => {
  // Computed once, on first use (not at collection: a filtered run may not need it).
  let memory: Promise<string> | undefined;
  const memory_hash = (): Promise<string> => (memory ??= runScenario(FLAGSHIP, { duration_ms: SPAN_MS }).then((s) => s.trace_hash));

  for (const mode of ['per-device', 'gateway'] as const satisfies readonly MqttMode[]) {
    it(`carries every step of the flagship (${mode}) with the memory hash, and nothing is published after the run`, async () => {
      const broker = await startMosquitto({ stock: true });
      let watcher: mqtt.MqttClient | undefined;
      try {
        const summary = await runScenario(FLAGSHIP, {
          duration_ms: SPAN_MS,
          transport: 'mqtt',
          mqtt: { transport: { url: broker.url, keepalive_s: 0 }, mode },
        });
        expect(summary.received_by_monitor).toBe(summary.messages + summary.wills);
        expect(summary.trace_hash).toBe(await memory_hash());
        // After the run: every session left with DISCONNECT, so the broker publishes no wills and
        // nobody publishes anything else. Live (non-retained) messages seen from now on: none.
        watcher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, clean: true });
        let live = 0;
        watcher.on('message', (_t, _p, packet) => {
          if (!packet.retain) live++;
        });
        await watcher.subscribeAsync('#', { qos: 1 });
        await new Promise((r) => setTimeout(r, 1_000));
        expect(live).toBe(0);
      } catch (err) {
        // The broker's own account of the platform's session (drops, takeovers, disconnects) is the
        // first thing to read; the device sessions' lines would bury it.
        const lines = broker.log().trim().split('\n');
        const relevant = lines.filter((l) => /msp-platform|msp-sim|dropp|[Ww]arning|[Ee]rror|exceeded/.test(l)).slice(-40).join('\n');
        throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- mosquitto log: ${lines.length} lines, those about the platform, the sim, drops and errors ---\n${relevant}`, { cause: err });
      } finally {
        await watcher?.endAsync();
        await broker.stop();
      }
    }, 240_000);
  }

  it('a run that outgrows the broker\'s queue fails with exit 4, names the missing messages and the broker setting, and its trace ends with a fail line', async () => {
    // A deliberately tiny queue: a window of 200 cannot fit into 10 + 20 in flight.
    const broker = await startMosquitto({ stock: true, extra_config: ['max_queued_messages 10'] });
    const dir = mkdtempSync(join(tmpdir(), 'msp-twin-fail-'));
    try {
      const c = captureIo();
      const trace = join(dir, 'trace.jsonl');
      const code = await main(['run', SMALL, '--broker', broker.url, '--duration', '1h', '--step-timeout', '3s', '--flow-window', '200', '--record', trace], c.io);
      expect(code).toBe(4);
      expect(c.err()).toMatch(/LOCKSTEP_TIMEOUT: step \d+/);
      expect(c.err()).toMatch(/missing \d+: msp\/v1\/[^ ]+ \(from [^)]+\)/);
      expect(c.err()).toContain('max_queued_messages');
      const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { k: string; code?: string });
      expect(lines.at(-1)).toMatchObject({ k: 'fail', code: 'LOCKSTEP_TIMEOUT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await broker.stop();
    }
  }, 60_000);

  it('--broker mosquitto: the run starts a stock Mosquitto itself, kills and restarts it for an outage, and gives the memory hash', async () => {
    const small = loadScenario(SMALL);
    const outage = { broker_outages: [{ at_ms: 30 * 60_000, duration_ms: 10 * 60_000 }], duration_ms: 90 * 60_000 };
    const memory = await runScenario(small, outage);
    const setup = await setUpMqtt({ broker: 'mosquitto', mode: 'per-device', protocol_version: 4, secret: DEFAULT_DEV_SECRET }, generatePortfolio(small.name, small.fleet));
    try {
      expect(setup.kind).toBe('mosquitto');
      const summary = await runScenario(small, { ...outage, transport: 'mqtt', mqtt: setup.mqtt, broker_control: setup.control! });
      expect(summary.broker_outages).toBe(1);
      expect(summary.received_by_monitor).toBe(summary.messages + summary.wills);
      expect(summary.trace_hash).toBe(memory.trace_hash);
    } finally {
      await setup.close();
    }
    // Closed with the run: nothing listens on its port any more.
    await expect(mqtt.connectAsync(setup.url, { reconnectPeriod: 0, connectTimeout: 1_000 })).rejects.toThrow();
  }, 120_000);
});
