import { describe, expect, it } from 'vitest';
import type { LatencySummary } from '../../harness/load/histogram.ts';
import { checkOpenFiles } from '../../harness/load/limits.ts';
import { dueCount, runDeadlineMs } from '../../harness/load/pacing.ts';
import { diagnose, type LoadReport, type ProcessFigure } from '../../harness/load/run-load.ts';

/** Who-was-the-bottleneck warnings, open-loop pacing and the open-file plan check: the judgements a load report rests on. */
const zero: LatencySummary = { count: 0, p50_ms: 0, p90_ms: 0, p99_ms: 0, p999_ms: 0, max_ms: 0, mean_ms: 0 };

function proc(label: string, role: string, cpu_ratio: number, loop_lag_p99_ms: number): ProcessFigure {
  return { label, role, pid: 1, cpu_ratio, rss_bytes: 0, rss_peak_bytes: 0, loop_lag_p99_ms, loop_lag_max_ms: loop_lag_p99_ms };
}

function report(over: { processes: ProcessFigure[]; sent?: number; send_delay_p99_ms?: number }): LoadReport {
  return {
    connections: 100,
    devices: 100,
    ceiling: null,
    connect: { connected: 100, failures: 0, failure_samples: [], elapsed_ms: 1000, rate_per_s: 100, latency: zero },
    settle: { devices_registered: 100, elapsed_ms: 1 },
    hold: {
      target: 1000, sent: over.sent ?? 1000, elapsed_ms: 10_000, achieved_per_s: 100, sent_qos1: 0, acked_qos1: 0, publish_errors: 0, skipped_disconnected: 0,
      alerts_injected: 0, alerts_exhausted: false, ack: zero, send_delay: { ...zero, p99_ms: over.send_delay_p99_ms ?? 0.5 },
    },
    dropped: 0,
    platform: null,
    http: null,
    brokers: [],
    processes: over.processes,
    warnings: [],
    metrics_url: null,
  };
}

const plan = { workers: 1, platform: true };

describe('bottleneck diagnosis', () => {
  it('blames the generator when a worker is saturated, naming it and what to do', () => {
    const w = diagnose(report({ processes: [proc('coordinator', 'platform', 0.3, 2), proc('worker-1', 'generator', 0.97, 12)] }), plan);
    expect(w[0]).toMatch(/the LOAD GENERATOR was the bottleneck \(worker-1: CPU 0\.97 of a core/);
    expect(w[0]).toMatch(/add --workers or spread the fleet over machines/);
  });

  it('blames the generator when messages left late against their schedule, even with an idle CPU', () => {
    const w = diagnose(report({ processes: [proc('worker-1', 'generator', 0.2, 3)], send_delay_p99_ms: 80 }), { workers: 0, platform: true });
    expect(w[0]).toMatch(/messages left 80\.0 ms late \(p99\)/);
    expect(w[0]).toMatch(/--workers N/);
  });

  it('blames the system under test when the rate was missed while the generator had headroom', () => {
    const w = diagnose(report({ processes: [proc('worker-1', 'generator', 0.3, 2)], sent: 800 }), plan);
    expect(w).toEqual([expect.stringMatching(/the system under test did not keep up: 80\.0 % of the target rate/)]);
  });

  it('says nothing about bottlenecks for a healthy run', () => {
    expect(diagnose(report({ processes: [proc('coordinator', 'platform', 0.3, 2), proc('worker-1', 'generator', 0.3, 2), proc('broker-0', 'broker', 0.2, 1)] }), plan)).toEqual([]);
  });

  it('recognises a starved process (late timers at low CPU) as a busy machine, not a slow broker', () => {
    const w = diagnose(report({ processes: [proc('broker-0', 'broker', 0.1, 400)] }), plan);
    expect(w.join('\n')).toMatch(/the machine was busy with other work: broker-0 had event-loop lag p99 400\.0 ms at only 0\.10 of a core/);
    expect(w.join('\n')).not.toMatch(/LOAD GENERATOR/);
  });
});

describe('open-loop pacing', () => {
  it('message k is due at k / rate, whatever happened before', () => {
    expect(dueCount(1000, 0)).toBe(1);
    expect(dueCount(1000, 0.99)).toBe(1);
    expect(dueCount(1000, 1)).toBe(2);
    expect(dueCount(2000, 30_000)).toBe(60_001);
    expect(dueCount(0, 500)).toBe(0);
    expect(dueCount(100, -5)).toBe(0);
  });

  it('bounds a whole run by twice its nominal phases plus start-up', () => {
    expect(runDeadlineMs({ connections: 1000, connect_rate_per_s: 500, duration_ms: 30_000 })).toBe(2 * (4_000 + 30_000) + 120_000);
  });
});

describe('open-file plan check', () => {
  it('passes under the limit less the reserve and refuses above it, naming the flag', () => {
    expect(() => checkOpenFiles(19_800, 'one worker process', '--workers', 20_000)).not.toThrow();
    expect(() => checkOpenFiles(19_801, 'one worker process', '--workers', 20_000)).toThrow(/one worker process would hold 19,801 sockets, above its open-file limit of 20,000 less 200 in reserve; raise --workers to spread them over more processes \(LOAD_TOO_MANY_CONNECTIONS\)/);
    expect(() => checkOpenFiles(1e6, 'x', '--workers', undefined)).not.toThrow(); // no known limit: the OS decides
  });
});
