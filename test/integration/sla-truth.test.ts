import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import type { SlaReport } from '../../platform/sla/ledger.ts';
import type { SlaTruth } from '../../harness/expect/sla-truth.ts';

/**
 * test/fixtures/sla-gateway-outages.yaml: 19 devices behind one gateway (the gateway included),
 * a contract with a Sunday 02:00–06:00 maintenance window (site-local, New York, EDT that day),
 * and two gateway outages: 60 min inside the window, 90 min outside it. Run on the in-memory bus.
 */
const FIXTURE = 'test/fixtures/sla-gateway-outages.yaml';
const MIN = 60_000;
// Sun 2026-03-15 in New York is EDT (UTC−4): 02:00 local = 06:00Z, 10:00 local = 14:00Z.
const WINDOW_FROM = Date.UTC(2026, 2, 15, 6, 0);
const WINDOW_TO = WINDOW_FROM + 4 * 60 * MIN;
const OUTAGE_FROM = Date.UTC(2026, 2, 15, 14, 0);
const OUTAGE_TO = OUTAGE_FROM + 90 * MIN;

interface Run {
  json: { oracle: { sla: SlaTruth }; expectations: Array<{ status: string }> };
  report: SlaReport;
  csv: string[][];
}

const dir = mkdtempSync(join(tmpdir(), 'msp-twin-sla-truth-'));
let run: Run;

beforeAll(async () => {
  let stdout = '';
  const io = { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: () => true } };
  const code = await main(['run', FIXTURE, '--transport', 'memory', '--json', '--out', dir], io);
  expect(code).toBe(0);
  run = {
    json: JSON.parse(stdout) as Run['json'],
    report: (JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { report: SlaReport }).report,
    csv: readFileSync(join(dir, 'ledger.csv'), 'utf8').trim().split('\n').map((l) => l.split(',')),
  };
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SLA against ground truth: a gateway outage inside and one outside a maintenance window', () => {
  it('measured down device-minutes are within 5 % of the true ones (and never above them)', () => {
    const s = run.json.oracle.sla;
    expect(s.true_downtime_device_min).toBeGreaterThan(19 * 90); // every device, the whole 90 min, plus its rejoin
    expect(s.error_pct).toBeLessThanOrEqual(5);
    expect(s.measured_downtime_ms).toBeLessThanOrEqual(s.true_downtime_ms);
    expect(Math.abs(s.measured_downtime_ms - s.true_downtime_ms) / s.true_downtime_ms).toBeCloseTo(s.error_pct / 100, 4);
    expect(run.json.expectations.every((e) => e.status === 'passed')).toBe(true);
  });

  it('every device behind the gateway counts the whole outside-window outage, leak sensors (60-min heartbeat) included', () => {
    expect(run.report.devices).toHaveLength(19);
    for (const d of run.report.devices) {
      const outside = d.entries.down.filter((e) => e.from_ms < OUTAGE_TO && e.to_ms > OUTAGE_FROM);
      expect(outside, d.id).toHaveLength(1);
      // Marked at the gateway's will (the marker dates it within the step), counted until back.
      expect(outside[0]!.from_ms, d.id).toBe(OUTAGE_FROM);
      expect(outside[0]!.to_ms, d.id).toBeGreaterThanOrEqual(OUTAGE_TO);
      expect(d.downtime_ms, d.id).toBe(outside[0]!.counted_ms);
      expect(d.downtime_ms, d.id).toBeGreaterThanOrEqual(89 * MIN);
    }
    expect(run.report.devices.filter((d) => d.kind === 'leak').map((d) => d.downtime_ms >= 89 * MIN)).toEqual([true, true]);
  });

  it("the window's outage is excluded exactly: seen as down, counted 0, and the window is not agreed time", () => {
    for (const d of run.report.devices) {
      const inside = d.entries.down.filter((e) => e.from_ms >= WINDOW_FROM && e.to_ms <= WINDOW_TO);
      expect(inside, d.id).toHaveLength(1);
      expect(inside[0]!.counted_ms, d.id).toBe(0);
      expect(d.maintenance_ms, d.id).toBe(4 * 60 * MIN);
    }
  });

  it('the credit tier matches a hand computation from the ledger rows', () => {
    // availability = (Σ agreed − Σ downtime) / Σ agreed over ledger.csv's rows.
    const [head, ...rows] = run.csv;
    const col = (name: string): number => head!.indexOf(name);
    const agreed = rows.reduce((n, r) => n + Number(r[col('agreed_ms')]), 0);
    const down = rows.reduce((n, r) => n + Number(r[col('downtime_ms')]), 0);
    const availability = (agreed - down) / agreed;
    expect(run.report.credits.availability).toBe(availability);
    // Tiers: below 99.9 % → 10 %, below 99 % → 25 %, below 95 % → 50 %. ~90 of ~720 agreed minutes
    // down puts every device near 87.5 %, below 95 %: the deepest tier applies, half the fee.
    expect(availability).toBeLessThan(0.95);
    expect(availability).toBeGreaterThan(0.85);
    expect(run.report.credits.tier).toEqual({ below: 0.95, credit: 0.5 });
    expect(run.report.credits.credit_pct).toBe(0.5);
    expect(run.report.credits.amount_owed).toBe(6000);
    expect(run.report.credits.currency).toBe('USD');
  });

  it('credits.csv carries the tier and the money; report.html shows credits, measured vs true per building, local incident times', () => {
    const credits = readFileSync(join(dir, 'credits.csv'), 'utf8').trimEnd().split('\r\n');
    expect(credits[0]).toBe('scope,period_from,period_to,agreed_ms,downtime_ms,availability,tier_below,credit_pct,monthly_fee,currency,amount_owed');
    expect(credits[1]).toBe(`portfolio,2026-03-15T02:00:00Z,2026-03-15T18:00:00Z,${run.report.portfolio.agreed_ms},${run.report.portfolio.downtime_ms},${run.report.credits.availability},0.95,0.5,12000,USD,6000`);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Service credits</h2>');
    expect(html).toContain('6000.00 USD');
    expect(html).toContain('<h2>Measured vs true down time</h2>');
    expect(html).toContain(`<td>hq</td><td class="n">19</td><td class="n">${run.json.oracle.sla.buildings[0]!.measured_downtime_device_min.toFixed(1)}</td>`);
    // The 10:00 EDT outage's incident, opened at the will: site-local first, then UTC.
    expect(html).toContain('2026-03-15 10:00 America/New_York (14:00Z)');
  });

  it('the detection delay is nil for every device kind (the will is dated when the broker sent it), and nothing went undetected', () => {
    for (const k of run.json.oracle.sla.detection_delay) {
      expect(k.undetected, k.kind).toBe(0);
      expect(k.max_ms, k.kind).toBe(0);
    }
  });
});
