import { describe, expect, it } from 'vitest';
import { UsageError } from '../../harness/errors.ts';
import { compare, gateTableRows, junitXml, makeBaseline, METRICS, parseBaseline, parseTolerances, planDifferences } from '../../harness/load/gate.ts';

const base = { ingest_latency_p99_ms: 10, throughput_ratio_to_target: 1, http_requests_per_s: 200, connect_failures: 0, ingest_latency_max_ms: 40 };
const tol = parseTolerances([]);

describe('regression gate', () => {
  it('passes a run identical to its baseline, and one that only improved', () => {
    expect(compare(base, base, tol).passed).toBe(true);
    const better = compare(base, { ...base, ingest_latency_p99_ms: 4, http_requests_per_s: 260 }, tol);
    expect(better.passed).toBe(true);
    expect(better.rows.find((r) => r.metric === 'ingest_latency_p99_ms')!.status).toBe('improved');
  });

  it('fails a latency that rose beyond the tolerance, naming it, in the direction that matters per metric', () => {
    const r = compare(base, { ...base, ingest_latency_p99_ms: 11.5, http_requests_per_s: 150 }, tol);
    expect(r.passed).toBe(false);
    expect(r.failures).toEqual(['ingest_latency_p99_ms', 'http_requests_per_s']);
    // Lower is worse for a rate, higher is worse for a latency: the same +15 % is fine for a rate.
    expect(compare(base, { ...base, http_requests_per_s: 230 }, tol).passed).toBe(true);
  });

  it('does not fail inside the absolute noise floor, however large the relative change', () => {
    // 0.4 → 0.9 ms is +125 % but within the 1 ms resolution of payload timestamps.
    expect(compare({ ingest_latency_p50_ms: 0.4 }, { ingest_latency_p50_ms: 0.9 }, tol).passed).toBe(true);
    expect(compare({ ingest_latency_p50_ms: 0.4 }, { ingest_latency_p50_ms: 1.6 }, tol).failures).toEqual(['ingest_latency_p50_ms']);
  });

  it('any new connection failure or lost QoS 1 message fails (floor 0), against a clean baseline', () => {
    expect(compare(base, { ...base, connect_failures: 1 }, tol).failures).toEqual(['connect_failures']);
    expect(compare({ qos1_lost: 0 }, { qos1_lost: 3 }, tol).failures).toEqual(['qos1_lost']);
  });

  it('per-metric tolerances override the default, and can gate an ungated metric', () => {
    const loose = parseTolerances(['10%', 'ingest_latency_p99_ms=50%']);
    expect(loose.default_ratio).toBeCloseTo(0.1);
    expect(compare(base, { ...base, ingest_latency_p99_ms: 14 }, loose).passed).toBe(true);
    // max is informational by default …
    expect(compare(base, { ...base, ingest_latency_max_ms: 400 }, tol).passed).toBe(true);
    // … until given a tolerance.
    expect(compare(base, { ...base, ingest_latency_max_ms: 400 }, parseTolerances(['ingest_latency_max_ms=100%'])).failures).toEqual(['ingest_latency_max_ms']);
  });

  it('a gated metric the run did not measure fails as missing; a new one is only shown', () => {
    const { http_requests_per_s: _, ...without_http } = base;
    const r = compare(base, { ...without_http, alert_latency_p99_ms: 3 }, tol);
    expect(r.failures).toEqual(['http_requests_per_s']);
    expect(r.rows.find((x) => x.metric === 'alert_latency_p99_ms')!.status).toBe('new');
  });

  it('rejects malformed tolerances and baselines with stable codes', () => {
    expect(() => parseTolerances(['ten percent'])).toThrow(UsageError);
    expect(() => parseTolerances(['no_such_metric=5%'])).toThrow(/LOAD_BAD_TOLERANCE/);
    expect(() => parseBaseline('{', 'b.json')).toThrow(/LOAD_BAD_BASELINE/);
    expect(() => parseBaseline(JSON.stringify({ metrics: {} }), 'b.json')).toThrow(/not a load baseline/);
    expect(() => parseBaseline(JSON.stringify({ ...makeBaseline({}, {}), metrics: { x: 'fast' } }), 'b.json')).toThrow(/not a finite number/);
    const round = parseBaseline(JSON.stringify(makeBaseline({ devices: 10 }, base)), 'b.json');
    expect(round.metrics).toEqual(base);
  });

  it('writes JUnit with one failing test case per regressed metric, escaped', () => {
    const r = compare(base, { ...base, ingest_latency_p99_ms: 30 }, tol);
    const xml = junitXml(r);
    expect(xml).toMatch(/<testsuite name="msp-twin load regression gate" tests="\d+" failures="1">/);
    expect(xml).toContain('<testcase classname="msp-twin.load" name="ingest_latency_p99_ms">');
    expect(xml).toMatch(/<failure message="ingest_latency_p99_ms regressed: 10 → 30 \(allowed ±1\)">/);
    expect(xml).not.toContain('name="ingest_latency_max_ms"'); // informational metrics are not test cases
    const table = gateTableRows(r);
    expect(table[0]).toEqual(['metric', 'baseline', 'current', 'delta', 'delta %', 'allowed', 'status']);
    expect(table.find((row) => row[0] === 'ingest_latency_p99_ms')).toEqual(['ingest_latency_p99_ms', '10', '30', '+20', '+200.0 %', '±1', 'REGRESSED']);
  });

  it('names the plan fields that differ between baseline and run', () => {
    expect(planDifferences({ devices: 200, rate_per_s: 200 }, { devices: 200, rate_per_s: 400 })).toEqual(['rate_per_s: 200 → 400']);
  });

  it('every metric has a direction and a non-negative floor', () => {
    for (const [name, def] of Object.entries(METRICS)) {
      expect(name).toMatch(/^[a-z0-9_]+$/);
      expect(['lower', 'higher']).toContain(def.better);
      expect(def.floor).toBeGreaterThanOrEqual(0);
    }
  });
});
