import { formatDuration } from '../../common/duration.ts';
import type { ExpectationResult } from './evaluate.ts';
import type { OracleReport } from './oracle.ts';
import type { StormReport } from './storms.ts';

/** The human summary's oracle, storm and expectation sections (`msp-twin run`). */

const MARK: Record<ExpectationResult['status'], string> = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' };

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** Whole seconds: a table of latencies does not need the milliseconds. */
const dur = (ms: number | null): string => (ms === null ? '—' : formatDuration(ms >= 1000 ? Math.round(ms / 1000) * 1000 : ms));

export function renderOracle(o: OracleReport): string[] {
  if (o.faults.length === 0 && o.alerts.false === 0) {
    return [`  oracle      no faults injected; ${o.alerts.total} alerts: ${o.alerts.natural} with a real condition behind them, ${o.alerts.false} false`];
  }
  const t = o.totals;
  const lines = [
    `  oracle      ${t.injected} faults injected: ${t.detected} detected, ${t.missed} missed, ${t.pending} undecided at the end; ${o.alerts.total} alerts: ${o.alerts.attributed} from injected faults, ${o.alerts.natural} natural, ${o.alerts.false} false`,
  ];
  if (o.classes.length > 0) {
    lines.push(`              ${pad('fault class', 26)}${pad('injected', 10)}${pad('detected', 10)}${pad('missed', 8)}${pad('p50', 12)}${pad('p95', 12)}max`);
    for (const c of o.classes) {
      const note = !c.scored ? '  (not scored)' : c.rules.length === 0 ? '  (no rule covers this class)' : '';
      lines.push(`              ${pad(c.fault, 26)}${pad(String(c.injected), 10)}${pad(String(c.detected), 10)}${pad(String(c.missed), 8)}${pad(dur(c.latency?.p50_ms ?? null), 12)}${pad(dur(c.latency?.p95_ms ?? null), 12)}${dur(c.latency?.max_ms ?? null)}${note}`);
    }
  }
  for (const f of o.alerts.false_examples.slice(0, 5)) lines.push(`              false alert ${f.id} (${f.type})`);
  if (o.dropped_facts > 0) lines.push(`              ${o.dropped_facts} facts dropped at the oracle's bounds: the scores above are incomplete`);
  return lines;
}

const BARS = '▁▂▃▄▅▆▇█';

/** Attempts per bucket as a one-line bar chart. */
export function sparkline(counts: readonly number[]): string {
  const max = Math.max(0, ...counts);
  if (max === 0) return '';
  return counts.map((c) => (c === 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor(((c - 1) * BARS.length) / max))])).join('');
}

export function renderStorms(storms: readonly StormReport[]): string[] {
  return storms.map((s) => {
    const back = s.reconnect_all_ms === null ? `${s.unreconnected} never came back` : `all back in ${dur(s.reconnect_all_ms)}`;
    return `  storm       ${s.id} (${s.fault}): ${s.devices} devices, ${s.attempts} connection attempts (${s.failed} failed), ${back}, p50 ${dur(s.reconnect_p50_ms)}; per ${s.bucket_ms / 1000} s: ${sparkline(s.histogram.slice(0, 60).map((b) => b.attempts))}`;
  });
}

export function renderExpectations(results: readonly ExpectationResult[], file: string): string[] {
  if (results.length === 0) return [];
  const n = (s: ExpectationResult['status']): number => results.filter((r) => r.status === s).length;
  const lines = [`  expect      ${n('passed')} passed, ${n('failed')} failed, ${n('skipped')} skipped`];
  const width = Math.min(60, Math.max(...results.map((r) => r.name.length)) + 2);
  for (const r of results) {
    const where = r.line > 0 ? `  (${file}:${r.line})` : '';
    const detail = r.status === 'passed' ? `measured ${r.measured}` : r.message;
    lines.push(`    ${MARK[r.status]} ${pad(r.name, width)}${r.name.length >= width ? ' ' : ''}${detail}${r.status === 'failed' ? where : ''}`);
  }
  return lines;
}
