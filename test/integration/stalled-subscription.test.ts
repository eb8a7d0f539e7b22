/**
 * A subscription that goes silent mid-step (docs/mqtt.md, "Stalled subscriptions"). Debian 12's
 * Mosquitto 2.0.11 can strand QoS 1 messages in a subscriber's queue until that subscriber
 * reconnects (inflight quota accounting, fixed upstream in 2.0.13); a lockstep run must notice the
 * silence, resume its session, take the broker's redelivery without counting anything twice, and
 * give the memory hash. A proxy freezes the platform's connection to stage the silence on demand.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../harness/run/run-scenario.ts';
import type { RunSummary } from '../../harness/run/run-types.ts';
import { loadScenario } from '../../harness/scenario/scenario.ts';
import { requireProgram, startMosquitto } from '../helpers/external-programs.ts';
import { startFreezingProxy, type FreezeRule } from '../helpers/freezing-proxy.ts';

const mosquitto_bin = requireProgram('mosquitto', 'mosquitto');
const SMALL = loadScenario('test/fixtures/small-office.yaml');
const SPAN_MS = 3 * 3_600_000;

/** The small office over a stock Mosquitto behind a proxy that freezes per `rule`; the run's outcome and the freezes seen. */
async function runBehindProxy(rule: FreezeRule, timing: { stall_ms: number; step_timeout_ms: number }): Promise<{ run: PromiseSettledResult<RunSummary>; frozen: number }> {
  const broker = await startMosquitto({ stock: true });
  const proxy = await startFreezingProxy(broker.port, rule);
  try {
    const [run] = await Promise.allSettled([
      runScenario(SMALL, { duration_ms: SPAN_MS, transport: 'mqtt', mqtt: { transport: { url: proxy.url, keepalive_s: 0 }, mode: 'per-device' }, ...timing }),
    ]);
    return { run: run!, frozen: proxy.frozen };
  } finally {
    await proxy.close();
    await broker.stop();
  }
}

// The platform's first connection is the clean wipe; its second is the persistent session.
// 8 kB into it is the middle of the first steps' births (about 20 kB for this office), whatever the
// number of sync probes before them: the freeze falls among the step's messages.
const AMONG_MESSAGES: FreezeRule = { client_id: 'msp-platform', connection: 2, after_bytes: 8_000 };
// Past the births, the first chunk carrying a step marker is withheld: the platform has the
// step's messages and waits for the marker, which the broker believes it has sent.
const ON_A_MARKER: FreezeRule = { client_id: 'msp-platform', connection: 2, after_bytes: 30_000, at_text: 'msp/v1/$sim/step' };
const RESUMING = { stall_ms: 500, step_timeout_ms: 20_000 };

let memory: Promise<RunSummary> | undefined;
const memoryRun = (): Promise<RunSummary> => (memory ??= runScenario(SMALL, { duration_ms: SPAN_MS }));

function summaryOf(run: PromiseSettledResult<RunSummary>): RunSummary {
  if (run.status === 'rejected') throw run.reason;
  return run.value;
}

describe.skipIf(!mosquitto_bin)('a stalled platform subscription (stock Mosquitto behind a freezing proxy)', () => {
  it('is resumed after stall_ms of silence, and the run still carries every message with the memory hash', async () => {
    const { run, frozen } = await runBehindProxy(AMONG_MESSAGES, RESUMING);
    const summary = summaryOf(run);
    const reference = await memoryRun();
    expect(frozen).toBe(1);
    expect(summary.faults.platform_stall_resumes).toBeGreaterThanOrEqual(1);
    // A stall is not a platform restart.
    expect(summary.faults.platform_session_resumes).toBe(0);
    expect(summary.received_by_monitor).toBe(summary.messages + summary.wills);
    expect(summary.messages).toBe(reference.messages);
    expect(summary.trace_hash).toBe(reference.trace_hash);
  }, 120_000);

  it('is resumed when it goes silent on a step marker, after the step\'s messages arrived, and gives the memory hash', async () => {
    const { run, frozen } = await runBehindProxy(ON_A_MARKER, RESUMING);
    const summary = summaryOf(run);
    expect(frozen).toBe(1);
    expect(summary.faults.platform_stall_resumes).toBeGreaterThanOrEqual(1);
    expect(summary.received_by_monitor).toBe(summary.messages + summary.wills);
    expect(summary.trace_hash).toBe((await memoryRun()).trace_hash);
  }, 120_000);

  it('without the resume (a stall longer than the step) the same freeze fails the step with LOCKSTEP_TIMEOUT, naming the missing messages', async () => {
    const { run, frozen } = await runBehindProxy(AMONG_MESSAGES, { stall_ms: 60_000, step_timeout_ms: 3_000 });
    expect(run.status).toBe('rejected');
    expect(String((run as PromiseRejectedResult).reason)).toMatch(/LOCKSTEP_TIMEOUT: step \d+ .*the platform received \d+ of the \d+ messages.*missing \d+: msp\/v1\//);
    expect(frozen).toBe(1);
  }, 60_000);
});
