import type { ExpectationResult } from '../expect/evaluate.ts';

/**
 * JUnit XML for a run's expectations (`msp-twin run --junit FILE`): one <testsuite> per run, one
 * <testcase> per expectation, failures with the measured value and the command that reproduces
 * the run, skipped cases for checks the run could not decide. CI systems (GitHub Actions,
 * GitLab, Jenkins) render it natively. The dialect is the common subset of the Ant/Surefire
 * schema those tools read.
 */
export interface JunitRun {
  readonly scenario: string;
  readonly file: string;
  readonly seed: string;
  readonly trace_hash: string;
  readonly reproduce: string;
  readonly wall_ms: number;
  readonly results: readonly ExpectationResult[];
}

// XML 1.0 allows tab, LF, CR and everything from U+0020 up (minus surrogates and U+FFFE/F).
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function xmlEscape(text: string): string {
  return text
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
}

export function junitXml(run: JunitRun): string {
  const failures = run.results.filter((r) => r.status === 'failed').length;
  const skipped = run.results.filter((r) => r.status === 'skipped').length;
  const seconds = (run.wall_ms / 1000).toFixed(3);
  const counts = { tests: run.results.length, failures, errors: 0, skipped };
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${attrs({ name: 'msp-twin', ...counts, time: seconds })}>`];
  out.push(`  <testsuite${attrs({ name: run.scenario, ...counts, time: seconds, file: run.file })}>`);
  out.push('    <properties>');
  for (const [name, value] of [['scenario_file', run.file], ['seed', run.seed], ['trace_hash', run.trace_hash], ['reproduce', run.reproduce]] as const) {
    out.push(`      <property${attrs({ name, value })}/>`);
  }
  out.push('    </properties>');
  for (const r of run.results) {
    const head = `    <testcase${attrs({ name: r.name, classname: `msp-twin.${run.scenario}`, file: run.file, ...(r.line > 0 ? { line: r.line } : {}), time: '0' })}`;
    if (r.status === 'passed') {
      out.push(`${head}>`, `      <system-out>${xmlEscape(`measured ${r.measured} (expected ${r.expected})`)}</system-out>`, '    </testcase>');
    } else if (r.status === 'skipped') {
      out.push(`${head}>`, `      <skipped${attrs({ message: r.message })}/>`, '    </testcase>');
    } else {
      const body = `${r.message}\nmeasured: ${r.measured}\nexpected: ${r.expected}\nseed: ${run.seed}\nreproduce: ${run.reproduce}`;
      out.push(`${head}>`, `      <failure${attrs({ message: r.message, type: 'expectation' })}>${xmlEscape(body)}</failure>`, '    </testcase>');
    }
  }
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}
