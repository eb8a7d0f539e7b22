import yargs from 'yargs';
import { SimError } from '../../sim/kernel/errors.ts';
import { DurationError } from '../scenario/duration.ts';
import { ScenarioError } from '../scenario/errors.ts';
import { ExitCode } from './exit-codes.ts';
import { runCommand, type CliIo } from './commands/run.ts';
import { scenariosCommand } from './commands/scenarios.ts';
import { benchCommand } from './commands/bench.ts';

/** Maps any error to a one-line reason and a documented exit code; stack traces only for bugs. */
function report(err: unknown, io: CliIo): number {
  if (err instanceof ScenarioError) {
    io.stderr.write(`${err.message}\n`);
    for (const issue of err.issues.slice(1)) io.stderr.write(`${issue.file}:${issue.line}:${issue.column}: ${issue.message}\n`);
    return ExitCode.bad_input;
  }
  if (err instanceof DurationError) {
    io.stderr.write(`error: ${err.message}\n`);
    return ExitCode.bad_input;
  }
  if (err instanceof SimError && (err.code === 'SIM_INVALID_TOPOLOGY' || err.code === 'SIM_UNKNOWN_MODEL')) {
    io.stderr.write(`error: ${err.message}\n`);
    return ExitCode.bad_input;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  io.stderr.write(`internal error: ${e.message}\n${process.env.MSP_TWIN_DEBUG ? `${e.stack}\n` : '(set MSP_TWIN_DEBUG=1 for the stack)\n'}`);
  return ExitCode.internal;
}

export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let usage_error: string | undefined;
  // yargs calls a command's handler before it has finished validating (an unknown flag is only
  // reported afterwards), so handlers just record what to run, and it runs once parsing is clean.
  let pending: (() => Promise<number> | number) | undefined;
  const guard = (fn: () => Promise<number> | number): void => {
    pending = fn;
  };
  const parser = yargs(argv)
    .scriptName('msp-twin')
    .usage('$0 <command> [options]\n\nA deterministic digital twin of smart-building device fleets for MSPs.')
    .command(
      'run <scenario>',
      'run a scenario (a file path or a bundled scenario name) and print the summary and trace hash',
      (y) =>
        y
          .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file or bundled name, e.g. commercial-portfolio' })
          .option('seed', { type: 'string', describe: 'root seed (default: the scenario\'s own)' })
          .option('duration', { type: 'string', describe: 'simulated span, e.g. 6h, 1d, 7d, 30d (default: the scenario\'s own)' })
          .option('transport', { choices: ['memory'] as const, default: 'memory' as const, describe: 'how devices reach the platform' })
          .option('out', { type: 'string', describe: 'directory for trace.jsonl and summary.json' })
          .option('json', { type: 'boolean', default: false, describe: 'print the summary as one JSON object' }),
      (a) => guard(() => runCommand({ scenario: a.scenario, seed: a.seed, duration: a.duration, transport: a.transport, out: a.out, json: a.json }, io)),
    )
    .command(
      'scenarios',
      'list the bundled scenarios',
      (y) => y.option('json', { type: 'boolean', default: false }),
      (a) => guard(() => scenariosCommand({ json: a.json }, io)),
    )
    .command(
      'bench',
      'measure simulator throughput and memory on the flagship fleet; prints a table and writes JSON',
      (y) =>
        y
          .option('days', { type: 'number', default: 7, describe: 'simulated days for the throughput run' })
          .option('out', { type: 'string', default: 'bench-results', describe: 'directory for the JSON results' }),
      (a) => guard(() => benchCommand({ days: a.days, out: a.out }, io)),
    )
    .demandCommand(1, 'name a command: run, scenarios or bench (see --help)')
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      usage_error = msg ?? err?.message ?? 'invalid command line';
    })
    .help()
    .version(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100));
  await parser.parseAsync();
  if (usage_error !== undefined) {
    io.stderr.write(`error: ${usage_error}\n`);
    return ExitCode.bad_input;
  }
  if (pending === undefined) return ExitCode.ok; // --help
  try {
    return await pending();
  } catch (err) {
    return report(err, io);
  }
}
