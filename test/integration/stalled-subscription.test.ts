/**
 * A subscription that goes silent mid-step (docs/mqtt.md, "Stalled subscriptions"). Debian 12's
 * Mosquitto 2.0.11 can strand QoS 1 messages in a subscriber's queue until that subscriber
 * reconnects (inflight quota accounting, fixed upstream in 2.0.13); a lockstep run must notice the
 * silence, resume its session, take the broker's redelivery without counting anything twice, and
 * give the memory hash. A proxy freezes the platform's connection to stage the silence on demand.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../harness/run/run-scenario.ts';
import { loadScenario } from '../../harness/scenario/scenario.ts';
import { requireProgram, startMosquitto } from '../helpers/external-programs.ts';
import { startFreezingProxy } from '../helpers/freezing-proxy.ts';

const mosquitto_bin = requireProgram('mosquitto', 'mosquitto');
const SMALL = loadScenario('test/fixtures/small-office.yaml');
const SPAN_MS = 3 * 3_600_000;

describe.skipIf(!mosquitto_bin)('a stalled platform subscription (stock Mosquitto behind a freezing proxy)', () => {
  it('is resumed after stall_ms of silence, and the run still carries every message with the memory hash', async () => {
    const memory = await runScenario(SMALL, { duration_ms: SPAN_MS });
    const broker = await startMosquitto({ stock: true });
    // The platform's first connection is the clean wipe; its second is the persistent session.
    // 8 kB into it is the middle of the first steps' births (about 20 kB for this office), whatever the
    // number of sync probes before them: the freeze falls among the step's messages.
    const proxy = await startFreezingProxy(broker.port, { client_id: 'msp-platform', connection: 2, after_bytes: 8_000 });
    try {
      const summary = await runScenario(SMALL, {
        duration_ms: SPAN_MS,
        transport: 'mqtt',
        mqtt: { transport: { url: proxy.url, keepalive_s: 0 }, mode: 'per-device' },
        stall_ms: 500,
        step_timeout_ms: 20_000,
      });
      expect(proxy.frozen).toBe(1);
      expect(summary.faults.platform_stall_resumes).toBeGreaterThanOrEqual(1);
      // A stall is not a platform restart.
      expect(summary.faults.platform_session_resumes).toBe(0);
      expect(summary.received_by_monitor).toBe(summary.messages + summary.wills);
      expect(summary.messages).toBe(memory.messages);
      expect(summary.trace_hash).toBe(memory.trace_hash);
    } finally {
      await proxy.close();
      await broker.stop();
    }
  }, 120_000);

  it('is resumed when it goes silent on a step marker, after the step\'s messages arrived, and gives the memory hash', async () => {
    const memory = await runScenario(SMALL, { duration_ms: SPAN_MS });
    const broker = await startMosquitto({ stock: true });
    // Past the births, the first chunk carrying a step marker is withheld: the platform has
    // the step's messages and waits for the marker, which the broker believes it has sent.
    const proxy = await startFreezingProxy(broker.port, { client_id: 'msp-platform', connection: 2, after_bytes: 30_000, at_text: 'msp/v1/$sim/step' });
    try {
      const summary = await runScenario(SMALL, {
        duration_ms: SPAN_MS,
        transport: 'mqtt',
        mqtt: { transport: { url: proxy.url, keepalive_s: 0 }, mode: 'per-device' },
        stall_ms: 500,
        step_timeout_ms: 20_000,
      });
      expect(proxy.frozen).toBe(1);
      expect(summary.faults.platform_stall_resumes).toBeGreaterThanOrEqual(1);
      expect(summary.received_by_monitor).toBe(summary.messages + summary.wills);
      expect(summary.trace_hash).toBe(memory.trace_hash);
    } finally {
      await proxy.close();
      await broker.stop();
    }
  }, 120_000);

  it('without the resume (a stall longer than the step) the same freeze fails the step with LOCKSTEP_TIMEOUT, naming the missing messages', async () => {
    const broker = await startMosquitto({ stock: true });
    const proxy = await startFreezingProxy(broker.port, { client_id: 'msp-platform', connection: 2, after_bytes: 8_000 });
    try {
      const run = runScenario(SMALL, {
        duration_ms: SPAN_MS,
        transport: 'mqtt',
        mqtt: { transport: { url: proxy.url, keepalive_s: 0 }, mode: 'per-device' },
        stall_ms: 60_000,
        step_timeout_ms: 3_000,
      });
      await expect(run).rejects.toThrow(/LOCKSTEP_TIMEOUT: step \d+ .*the platform received \d+ of the \d+ messages.*missing \d+: msp\/v1\//);
      expect(proxy.frozen).toBe(1);
    } finally {
      await proxy.close();
      await broker.stop();
    }
  }, 60_000);
});
