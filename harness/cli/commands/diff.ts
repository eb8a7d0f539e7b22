import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.ts';
import { diffTraces } from '../../run/trace-diff.ts';
import { stepDifference, type StepDifference } from '../../run/step-messages.ts';
import { int } from '../format.ts';
import type { CliIo } from '../io.ts';

/** A run directory (from --out) or a trace file. */
function tracePath(arg: string): string {
  if (!existsSync(arg)) throw new UsageError('DIFF_NOT_FOUND', `no such trace file or run directory: ${arg}`);
  return statSync(arg).isDirectory() ? join(arg, 'trace.jsonl') : arg;
}

const clip = (s: string): string => (s.length > 400 ? `${s.slice(0, 400)}…` : s);
const SHOWN = 10;

/** The messages that differ inside the first step whose rx digests differ (both traces recorded). */
function stepText(d: StepDifference): string {
  const out = [`step ${d.step} (${new Date(d.t).toISOString()}): rx ${d.rx_a ?? '(none)'} vs ${d.rx_b ?? '(none)'}`];
  if (d.same_published) {
    out.push('  both runs published the same messages in this step: what the platform received differs (a broker dropped, added or changed one)');
  }
  const list = (label: string, items: readonly string[]): void => {
    for (const x of items.slice(0, SHOWN)) out.push(`  ${label} ${x}`);
    if (items.length > SHOWN) out.push(`  … ${items.length - SHOWN} more ${label.trim()}`);
  };
  list('only in a:', d.only_a.map((m) => `${m.topic} (device ${m.device}) ${clip(m.payload)}`));
  list('only in b:', d.only_b.map((m) => `${m.topic} (device ${m.device}) ${clip(m.payload)}`));
  list('changed:  ', d.changed.map((m) => `${m.topic} (device ${m.device})\n    < ${clip(m.a)}\n    > ${clip(m.b)}`));
  return out.join('\n') + '\n';
}

/** `msp-twin diff A B`: exit 0 when the traces are identical, 1 with the first differing line otherwise. */
export async function diffCommand(args: { a: string; b: string; json: boolean; ignore?: readonly string[] | undefined; from_line?: number | undefined }, io: CliIo): Promise<number> {
  for (const what of args.ignore ?? []) if (what !== 'header') throw new UsageError('DIFF_IGNORE', `--ignore takes "header" (the run line with the seed), got "${what}"`);
  if (args.from_line !== undefined && !(Number.isInteger(args.from_line) && args.from_line >= 1)) throw new UsageError('DIFF_FROM_LINE', `--from-line must be a line number (1 or more), got ${args.from_line}`);
  const from_line = Math.max(args.from_line ?? 1, (args.ignore ?? []).includes('header') ? 2 : 1);
  const a = tracePath(args.a);
  const b = tracePath(args.b);
  if (!existsSync(a) || !existsSync(b)) throw new UsageError('DIFF_NOT_FOUND', `no trace.jsonl in ${!existsSync(a) ? args.a : args.b}`);
  const d = await diffTraces(a, b, { from_line });
  // Where the platform's input first differs: the step, and the messages in it that differ.
  const step = d.equal ? undefined : await stepDifference(a, b);
  if (args.json) io.stdout.write(JSON.stringify(step ? { ...d, step } : d) + '\n');
  else if (d.equal) io.stdout.write(`identical: ${int(d.lines_a)} lines\n`);
  else {
    io.stdout.write(`first difference at line ${int(d.line!)} (${int(d.lines_a)} vs ${int(d.lines_b)} lines)\n`);
    io.stdout.write(`< ${d.a === undefined ? '(end of trace)' : clip(d.a)}\n`);
    io.stdout.write(`> ${d.b === undefined ? '(end of trace)' : clip(d.b)}\n`);
    if (step) io.stdout.write(stepText(step));
  }
  return d.equal ? 0 : 1;
}
