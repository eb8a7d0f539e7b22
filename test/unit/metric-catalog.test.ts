import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Metrics from '../../harness/expect/metrics.ts';
import type * as Command from '../../harness/cli/commands/scenarios.ts';

// Loaded per test (vi.resetModules, then import), so the catalog is built inside the test and
// mutation testing can see its table (docs/testing.md, "hybrid" static mutants).
let METRICS: typeof Metrics.METRICS;
let scenariosCommand: typeof Command.scenariosCommand;
beforeEach(async () => {
  vi.resetModules();
  ({ METRICS } = await import('../../harness/expect/metrics.ts'));
  ({ scenariosCommand } = await import('../../harness/cli/commands/scenarios.ts'));
});

function listed(json: boolean): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const io = { stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (err += s) } } as unknown as Parameters<typeof scenariosCommand>[1];
  const code = scenariosCommand({ json, metrics: true }, io);
  return { code, out, err };
}

/** docs/scenarios.md, from "Metrics (`that:`" to the end of the live-metrics line. */
function documented(): string {
  const text = readFileSync('docs/scenarios.md', 'utf8');
  const from = text.indexOf('Metrics (`that:`');
  const to = text.indexOf('\n', text.indexOf('Live metrics (`always:`)'));
  expect(from).toBeGreaterThan(0);
  return text.slice(from, to);
}

describe('the metric catalog users read (`msp-twin scenarios --metrics`)', () => {
  it('lists every metric once, with its unit, where it may be used and a meaning of its own', () => {
    const { code, out, err } = listed(true);
    expect(code).toBe(0);
    expect(err).toBe('');
    const rows = JSON.parse(out) as Array<{ metric: string; unit: string; in: string; meaning: string }>;
    expect(rows.length).toBe(METRICS.length);
    expect(rows.length).toBeGreaterThan(60);
    expect(new Set(rows.map((r) => r.metric)).size).toBe(rows.length);
    rows.forEach((row, i) => {
      const def = METRICS[i]!;
      expect(row).toEqual({ metric: def.pattern, unit: def.unit, in: def.live === true ? 'always' : 'that', meaning: def.describe });
      // A meaning says something the name does not: words, not empty, not the name again.
      expect([row.metric, row.meaning.length >= 8, row.meaning.includes(' ') || row.meaning.includes('(')]).toEqual([row.metric, true, true]);
      expect(row.meaning).not.toBe(row.metric);
      expect(row.meaning.trim()).toBe(row.meaning);
    });
    // Distinct metrics are told apart by their meaning, not only by their name.
    expect(new Set(rows.map((r) => r.meaning)).size).toBeGreaterThan(rows.length * 0.9);
  });

  it('the live (`always:`) metrics are exactly the ones docs/scenarios.md names as live', () => {
    const live = METRICS.filter((m) => m.live === true).map((m) => m.pattern.split('.')[0]);
    const line = documented().slice(documented().indexOf('Live metrics'));
    expect(new Set(live)).toEqual(new Set(['open_incidents', 'firing_alerts', 'offline_devices', 'unreachable_devices']));
    for (const name of live) expect(line).toContain(`\`${name}`);
  });

  it('every end-of-run metric is in the table of docs/scenarios.md (each fixed part of its name)', () => {
    const doc = documented();
    const missing: string[] = [];
    for (const def of METRICS.filter((m) => m.live !== true)) {
      for (const seg of def.pattern.split('.')) if (!seg.startsWith('<') && !doc.includes(seg)) missing.push(`${def.pattern} (${seg})`);
    }
    expect(missing).toEqual([]);
  });

  it('prints a table with a header and one line per metric', () => {
    const { code, out } = listed(false);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/metric\s+unit\s+in\s+meaning/);
    expect(lines.length).toBe(METRICS.length + 1);
    expect(lines.find((l) => l.includes('sla.availability ')) ?? '').toMatch(/ratio\s+that:\s+portfolio availability \(device-weighted\)/);
    expect(lines.find((l) => /\bopen_incidents\b/.test(l)) ?? '').toMatch(/always:/);
  });
});
