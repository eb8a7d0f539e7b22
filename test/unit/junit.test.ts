import { describe, expect, it } from 'vitest';
import type { ExpectationResult } from '../../harness/expect/evaluate.ts';
import { junitXml } from '../../harness/report/junit.ts';
import { parseXml, type XmlNode } from '../helpers/junit-xml-reader.ts';

const result = (over: Partial<ExpectationResult>): ExpectationResult => ({
  name: 'x',
  kind: 'that',
  status: 'passed',
  measured: '1',
  expected: '= 1',
  message: 'ok',
  line: 0,
  decided_ms: null,
  ...over,
});

const all = (n: XmlNode, name: string): XmlNode[] => n.children.filter((c) => c.name === name);

describe('JUnit XML', () => {
  const xml = junitXml({
    scenario: 'demo',
    file: 'scenarios/demo.yaml',
    seed: '5',
    trace_hash: 'ab'.repeat(32),
    reproduce: 'msp-twin run demo --seed 5 --duration "6h" --transport memory',
    wall_ms: 1234,
    results: [
      result({ name: 'sla.availability >= 99.5%', measured: '99.9%', expected: '≥ 99.5%', line: 12 }),
      result({ name: 'a P1 for the leak within 2m', kind: 'incident', status: 'failed', measured: 'none', expected: 'within 2m', message: 'no P1 incident for fault leak (leak on tower-f02-leak-001, onset +30m) within 2m <&> "quoted"', line: 20 }),
      result({ name: 'storm <unreconnected> & co', status: 'skipped', message: 'no restore in this run', line: 0 }),
      result({ name: 'control \u0001 char', measured: '0' }),
    ],
  });

  it('parses back: one suite, one case per expectation, failures with the measured value and how to reproduce', () => {
    const doc = parseXml(xml);
    expect(doc.name).toBe('testsuites');
    expect(doc.attrs).toMatchObject({ name: 'msp-twin', tests: '4', failures: '1', skipped: '1', errors: '0', time: '1.234' });
    const suites = all(doc, 'testsuite');
    expect(suites).toHaveLength(1);
    const suite = suites[0]!;
    expect(suite.attrs).toMatchObject({ name: 'demo', tests: '4', failures: '1', skipped: '1' });
    const props = Object.fromEntries(all(all(suite, 'properties')[0]!, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props).toEqual({ scenario_file: 'scenarios/demo.yaml', seed: '5', trace_hash: 'ab'.repeat(32), reproduce: 'msp-twin run demo --seed 5 --duration "6h" --transport memory' });

    const cases = all(suite, 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual(['sla.availability >= 99.5%', 'a P1 for the leak within 2m', 'storm <unreconnected> & co', 'control \uFFFD char']);
    for (const c of cases) expect(c.attrs.classname).toBe('msp-twin.demo');
    expect(cases[0]!.attrs.line).toBe('12');
    expect(all(cases[0]!, 'failure')).toEqual([]);
    const failure = all(cases[1]!, 'failure')[0]!;
    expect(failure.attrs.message).toBe('no P1 incident for fault leak (leak on tower-f02-leak-001, onset +30m) within 2m <&> "quoted"');
    expect(failure.text).toContain('measured: none');
    expect(failure.text).toContain('seed: 5');
    expect(failure.text).toContain('reproduce: msp-twin run demo --seed 5');
    expect(all(cases[2]!, 'skipped')[0]!.attrs.message).toBe('no restore in this run');
    expect(cases[2]!.attrs.line).toBeUndefined();
  });

  it('the minimal parser used here rejects what real XML parsers reject', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow(/mismatched/);
    expect(() => parseXml('<a x="1 & 2"/>')).toThrow(/entity/);
    expect(() => parseXml('<a>1 < 2</a>')).toThrow();
    expect(parseXml('<?xml version="1.0"?><a x="&lt;&amp;&quot;">t&gt;</a>')).toMatchObject({ name: 'a', attrs: { x: '<&"' }, text: 't>' });
  });
});
