import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.ts';
import { diffTraces } from '../../run/trace-diff.ts';
import { int } from '../format.ts';
import type { CliIo } from '../io.ts';

/** A run directory (from --out) or a trace file. */
function tracePath(arg: string): string {
  if (!existsSync(arg)) throw new UsageError('DIFF_NOT_FOUND', `no such trace file or run directory: ${arg}`);
  return statSync(arg).isDirectory() ? join(arg, 'trace.jsonl') : arg;
}

const clip = (s: string): string => (s.length > 400 ? `${s.slice(0, 400)}…` : s);

/** `msp-twin diff A B`: exit 0 when the traces are identical, 1 with the first differing line otherwise. */
export async function diffCommand(args: { a: string; b: string; json: boolean }, io: CliIo): Promise<number> {
  const a = tracePath(args.a);
  const b = tracePath(args.b);
  if (!existsSync(a) || !existsSync(b)) throw new UsageError('DIFF_NOT_FOUND', `no trace.jsonl in ${!existsSync(a) ? args.a : args.b}`);
  const d = await diffTraces(a, b);
  if (args.json) io.stdout.write(JSON.stringify(d) + '\n');
  else if (d.equal) io.stdout.write(`identical: ${int(d.lines_a)} lines\n`);
  else {
    io.stdout.write(`first difference at line ${int(d.line!)} (${int(d.lines_a)} vs ${int(d.lines_b)} lines)\n`);
    io.stdout.write(`< ${d.a === undefined ? '(end of trace)' : clip(d.a)}\n`);
    io.stdout.write(`> ${d.b === undefined ? '(end of trace)' : clip(d.b)}\n`);
  }
  return d.equal ? 0 : 1;
}
