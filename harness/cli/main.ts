import yargs from 'yargs';
import { SimError } from '../../sim/kernel/errors.ts';
import { DurationError } from '../scenario/duration.ts';
import { ScenarioError } from '../scenario/errors.ts';
import { ExitCode } from './exit-codes.ts';
import { UsageError } from '../errors.ts';
import { BrokerError } from '../broker/embedded-broker.ts';
import { DEFAULT_DEV_SECRET } from '../broker/credentials.ts';
import { brokerCommand } from './commands/broker.ts';
import { platformCommand } from './commands/platform.ts';
import { diffCommand } from './commands/diff.ts';
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
  if (err instanceof UsageError) {
    io.stderr.write(`error: ${err.message}\n`);
    return ExitCode.bad_input;
  }
  if (err instanceof BrokerError && err.code === 'BROKER_PORT_IN_USE') {
    io.stderr.write(`error: ${err.message}\n`);
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
          .option('transport', { choices: ['mqtt', 'memory'] as const, default: 'mqtt' as const, describe: 'mqtt: real broker, lockstep (default); memory: in-process bus, fastest' })
          .option('mqtt-mode', { choices: ['per-device', 'gateway'] as const, default: 'per-device' as const, describe: 'one MQTT connection per device, or one per gateway carrying its devices' })
          .option('mqtt-version', { choices: [4, 5] as const, default: 4 as const, describe: 'MQTT protocol level: 4 = 3.1.1, 5 = MQTT 5' })
          .option('broker', { type: 'string', describe: 'external broker URL (mqtt://, mqtts://, ws://, wss://); default: start the embedded one' })
          .option('broker-port', { type: 'number', describe: 'embedded broker TCP port (default 0 = pick a free one)' })
          .option('username', { type: 'string', describe: 'external broker: shared username (default: per-device credentials from --secret)' })
          .option('password', { type: 'string', describe: 'external broker: shared password' })
          .option('secret', { type: 'string', default: process.env.MSP_TWIN_SECRET ?? DEFAULT_DEV_SECRET, defaultDescription: '$MSP_TWIN_SECRET or a development secret', describe: 'fleet secret that per-device passwords derive from' })
          .option('ca', { type: 'string', describe: 'CA certificate (PEM) for mqtts:// or wss://' })
          .option('cert', { type: 'string', describe: 'client certificate (PEM)' })
          .option('key', { type: 'string', describe: 'client key (PEM)' })
          .option('insecure', { type: 'boolean', describe: 'do not verify the broker certificate' })
          .option('broker-outage', { type: 'string', array: true, describe: 'stop and restart the embedded broker: AT+FOR, e.g. 3h+10m (repeatable)' })
          .option('step', { type: 'string', describe: 'lockstep step length (default 1m)' })
          .option('speed', { type: 'number', describe: 'real-time mode: simulated seconds per wall second (1, 60, …); no barrier, telemetry QoS 0' })
          .option('out', { type: 'string', describe: 'directory for trace.jsonl and summary.json' })
          .option('json', { type: 'boolean', default: false, describe: 'print the summary as one JSON object' }),
      (a) =>
        guard(() =>
          runCommand(
            {
              scenario: a.scenario, seed: a.seed, duration: a.duration, transport: a.transport, mqtt_mode: a['mqtt-mode'], mqtt_version: a['mqtt-version'],
              broker: a.broker, broker_port: a['broker-port'], username: a.username, password: a.password, secret: a.secret, ca: a.ca, cert: a.cert, key: a.key,
              insecure: a.insecure, broker_outage: a['broker-outage'], step: a.step, speed: a.speed, out: a.out, json: a.json,
            },
            io,
          ),
        ),
    )
    .command(
      'scenarios',
      'list the bundled scenarios',
      (y) => y.option('json', { type: 'boolean', default: false }),
      (a) => guard(() => scenariosCommand({ json: a.json }, io)),
    )
    .command(
      'diff <a> <b>',
      'show the first line where two traces (files or --out directories) differ; exit 1 if they do',
      (y) =>
        y
          .positional('a', { type: 'string', demandOption: true })
          .positional('b', { type: 'string', demandOption: true })
          .option('json', { type: 'boolean', default: false }),
      (a) => guard(() => diffCommand({ a: a.a, b: a.b, json: a.json }, io)),
    )
    .command(
      'broker',
      'run the embedded MQTT broker on its own (Ctrl-C stops it) so other tools and runs can connect',
      (y) =>
        y
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'interface to bind (loopback by default)' })
          .option('port', { type: 'number', default: 1883, describe: 'MQTT over TCP port (0 = pick a free one)' })
          .option('ws-port', { type: 'number', default: 8883, describe: 'MQTT over WebSocket port, path /mqtt (0 = pick a free one)' })
          .option('secret', { type: 'string', default: process.env.MSP_TWIN_SECRET ?? DEFAULT_DEV_SECRET, defaultDescription: '$MSP_TWIN_SECRET or a development secret', describe: 'fleet secret for device and role passwords' })
          .option('open', { type: 'boolean', default: false, describe: 'no authentication or ACLs (insecure; local experiments only)' }),
      (a) =>
        guard(() => {
          // wall-clock: the broker runs until the user stops it
          const until = new Promise<void>((resolve) => {
            process.once('SIGINT', () => resolve());
            process.once('SIGTERM', () => resolve());
          });
          return brokerCommand({ host: a.host, port: a.port, ws_port: a['ws-port'], secret: a.secret, open: a.open }, io, until);
        }),
    )
    .command(
      'platform',
      'run the platform alone in production mode (wall clock) against a broker, with its HTTP API',
      (y) =>
        y
          .option('broker', { type: 'string', demandOption: true, describe: 'broker URL, e.g. mqtt://127.0.0.1:1883' })
          .option('username', { type: 'string', describe: 'username (default: msp-platform with a password from --secret)' })
          .option('password', { type: 'string' })
          .option('secret', { type: 'string', default: process.env.MSP_TWIN_SECRET ?? DEFAULT_DEV_SECRET, defaultDescription: '$MSP_TWIN_SECRET or a development secret' })
          .option('api-host', { type: 'string', default: '127.0.0.1' })
          .option('api-port', { type: 'number', default: 8080, describe: 'HTTP API port (0 = pick a free one)' })
          .option('journal', { type: 'boolean', default: false, describe: 'print every platform decision as a JSON line' }),
      (a) =>
        guard(() => {
          // wall-clock: the platform runs until the user stops it
          const until = new Promise<void>((resolve) => {
            process.once('SIGINT', () => resolve());
            process.once('SIGTERM', () => resolve());
          });
          return platformCommand({ broker: a.broker, username: a.username, password: a.password, secret: a.secret, api_host: a['api-host'], api_port: a['api-port'], journal: a.journal }, io, until);
        }),
    )
    .command(
      'bench',
      'measure simulator throughput and memory on the flagship fleet; prints a table and writes JSON',
      (y) =>
        y
          .option('days', { type: 'number', default: 7, describe: 'simulated days for the simulator throughput run' })
          .option('only', { choices: ['sim', 'mqtt', 'platform'] as const, array: true, describe: 'run only these sections (default: all)' })
          .option('connections', { type: 'number', default: 10_000, describe: 'device connections to open in the connection benchmark' })
          .option('out', { type: 'string', default: 'bench-results', describe: 'directory for the JSON results' }),
      (a) => guard(() => benchCommand({ days: a.days, out: a.out, only: a.only, connections: a.connections }, io)),
    )
    .demandCommand(1, 'name a command: run, scenarios, diff, broker, platform or bench (see --help)')
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
