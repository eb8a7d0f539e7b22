import yargs, { type Argv } from 'yargs';
import { EXIT_CODE_OF, MspError } from '../../common/errors.ts';
import { DEFAULT_DEV_SECRET } from '../../platform/contract/credentials.ts';
import { ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';

/**
 * Maps any error to a one-line reason and its exit class (common/errors.ts, docs/errors.md): a
 * user's mistake never prints "internal error"; stack traces only for bugs.
 */
function report(err: unknown, io: CliIo): number {
  if (err instanceof MspError) {
    const issues = (err as MspError & { issues?: readonly { file: string; line: number; column: number; message: string }[] }).issues;
    if (issues !== undefined) {
      io.stderr.write(`${err.message}\n`);
      for (const issue of issues.slice(1)) io.stderr.write(`${issue.file}:${issue.line}:${issue.column}: ${issue.message}\n`);
    } else if (err.exit === 'internal') {
      io.stderr.write(`internal error: ${err.message}\n${process.env.MSP_TWIN_DEBUG ? `${err.stack}\n` : '(set MSP_TWIN_DEBUG=1 for the stack)\n'}`);
    } else {
      io.stderr.write(`${err.exit === 'transport' ? 'transport error' : 'error'}: ${err.message}\n`);
    }
    return EXIT_CODE_OF[err.exit];
  }
  const e = err instanceof Error ? err : new Error(String(err));
  io.stderr.write(`internal error: ${e.message}\n${process.env.MSP_TWIN_DEBUG ? `${e.stack}\n` : '(set MSP_TWIN_DEBUG=1 for the stack)\n'}`);
  return ExitCode.internal;
}

/** Resolves on the first SIGINT or SIGTERM: long-running commands stop cleanly on either. */
function untilSignal(): Promise<void> {
  // wall-clock: a server command runs until the user stops it
  return new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** The fleet secret every broker-facing command takes (device and role passwords derive from it). */
function secretOption<T>(y: Argv<T>) {
  return y.option('secret', { type: 'string', default: process.env.MSP_TWIN_SECRET ?? DEFAULT_DEV_SECRET, defaultDescription: '$MSP_TWIN_SECRET or a development secret', describe: 'fleet secret that device and role passwords derive from' });
}

/** Shared credentials and TLS for an external broker. */
function brokerClientOptions<T>(y: Argv<T>) {
  return secretOption(y)
    .option('username', { type: 'string', describe: 'external broker: shared username (default: per-device credentials from --secret)' })
    .option('password', { type: 'string', describe: 'external broker: shared password' })
    .option('ca', { type: 'string', describe: 'CA certificate (PEM) for mqtts:// or wss://' })
    .option('cert', { type: 'string', describe: 'client certificate (PEM)' })
    .option('key', { type: 'string', describe: 'client key (PEM)' })
    .option('insecure', { type: 'boolean', describe: 'do not verify the broker certificate' });
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
        brokerClientOptions(y)
          .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file or bundled name, e.g. commercial-portfolio' })
          .option('seed', { type: 'string', describe: 'root seed (default: the scenario\'s own)' })
          .option('duration', { type: 'string', describe: 'simulated span, e.g. 6h, 1d, 7d, 30d (default: the scenario\'s own)' })
          .option('transport', { choices: ['mqtt', 'memory'] as const, default: 'mqtt' as const, describe: 'mqtt: real broker, lockstep (default); memory: in-process bus, fastest' })
          .option('mqtt-mode', { choices: ['per-device', 'gateway'] as const, default: 'per-device' as const, describe: 'one MQTT connection per device, or one per gateway carrying its devices' })
          .option('mqtt-version', { choices: [4, 5] as const, default: 4 as const, describe: 'MQTT protocol level: 4 = 3.1.1, 5 = MQTT 5' })
          .option('broker', { type: 'string', describe: 'external broker URL (mqtt://, mqtts://, ws://, wss://), or "mosquitto" to start a stock local Mosquitto for the run (outages work with it); default: start the embedded one' })
          .option('broker-port', { type: 'number', describe: 'embedded broker TCP port (default 0 = pick a free one)' })
          .option('broker-outage', { type: 'string', array: true, describe: 'stop and restart the broker the run started (embedded or --broker mosquitto): AT+FOR, e.g. 3h+10m (repeatable)' })
          .option('step', { type: 'string', describe: 'lockstep step length (default 1m)' })
          .option('flow-window', { type: 'number', describe: 'lockstep over MQTT: most messages in flight toward the platform before it has received them (default 500; keep it under the broker\'s per-client queue limit)' })
          .option('step-timeout', { type: 'string', describe: 'wall-clock limit for one lockstep step to reach the platform over MQTT, e.g. 30s (default 60s); a step that misses it fails with exit 4 naming the missing messages' })
          .option('speed', { type: 'number', describe: 'real-time mode: simulated seconds per wall second (1, 60, …); no barrier, telemetry QoS 0' })
          .option('view', { type: 'boolean', default: false, describe: 'serve the live viewer (PixiJS) on 127.0.0.1 for this run and print its URL; pair with --speed to watch' })
          .option('out', { type: 'string', describe: 'directory for trace.jsonl and summary.json' })
          .option('record', { type: 'string', describe: 'keep the trace in this file (compare two with msp-twin diff)' })
          .option('junit', { type: 'string', describe: 'write the scenario\'s expectations as JUnit XML to this file' })
          .option('data', { type: 'string', describe: 'keep the platform\'s durable store (SQLite) in this empty directory (default: in memory, only when a platform_restart needs one)' })
          .option('shard-broker', { type: 'string', describe: 'with --shards: coordinate shards started elsewhere with `msp-twin shard` through this broker instead of forking them (docs/scale-out.md)' })
          .option('shard-run', { type: 'string', default: 'run', describe: 'with --shard-broker: the run id the shards were started with' })
          .option('shards', { type: 'number', describe: 'run the simulator as N processes split by site beside this one, which keeps the platform (1: one simulator process, overlapping the platform on a second core; 0: all in this process); same trace hash for any N; in-memory bus; unset, a run of 10,000 device-days or more uses 2 on a machine with 2+ cores when the scenario allows, else 0 (docs/scale-out.md)' })
          .option('noc', { type: 'boolean', default: true, describe: 'the simulated NOC and field service (--no-noc: the platform alone raises and holds incidents)' })
          .option('json', { type: 'boolean', default: false, describe: 'print the summary as one JSON object' }),
      (a) =>
        guard(async () =>
          (await import('./commands/run.ts')).runCommand(
            {
              scenario: a.scenario, seed: a.seed, duration: a.duration, transport: a.transport, mqtt_mode: a['mqtt-mode'], mqtt_version: a['mqtt-version'],
              broker: a.broker, broker_port: a['broker-port'], username: a.username, password: a.password, secret: a.secret, ca: a.ca, cert: a.cert, key: a.key,
              insecure: a.insecure, broker_outage: a['broker-outage'], step: a.step, step_timeout: a['step-timeout'], flow_window: a['flow-window'], speed: a.speed, out: a.out, record: a.record, junit: a.junit, json: a.json, view: a.view, data: a.data,
              shards: a.shards, noc: a.noc, shard_broker: a['shard-broker'], shard_run: a['shard-run'],
            },
            io,
          ),
        ),
    )
    .command(
      'scenarios',
      'list the bundled scenarios (--metrics: the metrics an expectation may name)',
      (y) => y.option('json', { type: 'boolean', default: false }).option('metrics', { type: 'boolean', default: false, describe: 'list the metrics `expect:` may check (that: at the end, always: after every step), with unit and meaning' }),
      (a) => guard(async () => (await import('./commands/scenarios.ts')).scenariosCommand({ json: a.json, metrics: a.metrics }, io)),
    )
    .command(
      'diff <a> <b>',
      'show the first line where two traces (files or --out directories) differ; exit 1 if they do',
      (y) =>
        y
          .positional('a', { type: 'string', demandOption: true })
          .positional('b', { type: 'string', demandOption: true })
          .option('ignore', { type: 'string', array: true, choices: ['header'], describe: 'skip the header line (it names the seed) to compare two seeds\' behaviour' })
          .option('from-line', { type: 'number', describe: 'compare from this line on (1-based)' })
          .option('json', { type: 'boolean', default: false }),
      (a) => guard(async () => (await import('./commands/diff.ts')).diffCommand({ a: a.a, b: a.b, json: a.json, ignore: a.ignore, from_line: a['from-line'] }, io)),
    )
    .command(
      'broker',
      'run the embedded MQTT broker on its own (Ctrl-C stops it) so other tools and runs can connect',
      (y) =>
        secretOption(y)
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'interface to bind (loopback by default)' })
          .option('port', { type: 'number', default: 1883, describe: 'MQTT over TCP port (0 = pick a free one)' })
          .option('ws-port', { type: 'number', default: 8883, describe: 'MQTT over WebSocket port, path /mqtt (0 = pick a free one)' })
          .option('open', { type: 'boolean', default: false, describe: 'no authentication or ACLs (insecure; local experiments only)' })
          .option('fleet', { type: 'string', describe: 'provisioned fleet (scenario, or JSON/CSV id,site,kind,model): only these devices log in, each under its own site' })
          .option('insecure-public-bind', { type: 'boolean', default: false, describe: 'allow --open or the public development secret on a non-loopback --host (throwaway lab networks only)' })
          .option('tls-cert', { type: 'string', describe: 'server certificate (PEM): serve mqtts:// and wss:// instead of plaintext (with --tls-key)' })
          .option('tls-key', { type: 'string', describe: 'server private key (PEM) for --tls-cert' })
          .option('tls-ca', { type: 'string', describe: 'CA (PEM) for client certificates: every client must present one it signed (mTLS)' }),
      (a) =>
        guard(async () => {
          const { brokerCommand } = await import('./commands/broker.ts');
          return brokerCommand(
            { host: a.host, port: a.port, ws_port: a['ws-port'], secret: a.secret, open: a.open, fleet: a.fleet, insecure_public_bind: a['insecure-public-bind'], tls_cert: a['tls-cert'], tls_key: a['tls-key'], tls_ca: a['tls-ca'] },
            io,
            untilSignal(),
          );
        }),
    )
    .command(
      'platform [action]',
      'run the platform alone in production mode (wall clock) against a broker, with its HTTP API; `platform verify --data DIR` checks a store',
      (y) =>
        secretOption(y)
          .positional('action', { choices: ['serve', 'verify'] as const, default: 'serve' as const, describe: 'serve (default): run the platform; verify: check the store in --data (--repair drops a torn tail)' })
          .option('broker', { type: 'string', describe: 'broker URL, e.g. mqtt://127.0.0.1:1883 (required to serve)' })
          .option('username', { type: 'string', describe: 'username (default: msp-platform with a password from --secret)' })
          .option('password', { type: 'string' })
          .option('ca', { type: 'string', describe: 'CA certificate (PEM) that signed an mqtts:// or wss:// broker\'s certificate' })
          .option('cert', { type: 'string', describe: 'client certificate (PEM), for a broker that requires one (mTLS)' })
          .option('key', { type: 'string', describe: 'client key (PEM)' })
          .option('insecure', { type: 'boolean', describe: 'do not verify the broker certificate (testing only)' })
          .option('api-host', { type: 'string', default: '127.0.0.1' })
          .option('api-port', { type: 'number', default: 8080, describe: 'HTTP API port (0 = pick a free one)' })
          .option('journal', { type: 'boolean', default: false, describe: 'print every platform decision as a JSON line' })
          .option('catalog', { type: 'string', describe: "catalog or scenario file whose firmware: list rollouts may deploy (default: each model's shipped version)" })
          .option('data', { type: 'string', describe: 'the durable store directory (SQLite, WAL): state survives restarts, QoS 1 acked after commit (default: none, state in memory only)' })
          .option('clock', { choices: ['wall', 'messages'] as const, default: 'wall' as const, describe: 'messages: platform time is the newest message timestamp, no wall-clock timers (replaying a recorded stream)' })
          .option('fsync', { choices: ['commit', 'always'] as const, default: 'commit' as const, describe: 'with --data: commit (default) survives the process dying; always: also power loss, an fsync per commit (slower)' })
          .option('snapshot-every', { type: 'string', describe: 'with --data: a snapshot (then compaction) every this much platform time, e.g. 15m (default 1h); fewer means a longer replay at start' })
          .option('repair', { type: 'boolean', default: false, describe: 'verify: drop the store\'s torn or damaged tail (the damaged file is kept beside it)' })
          .option('json', { type: 'boolean', default: false, describe: 'verify: print the report as JSON' })
          .option('fleet', { type: 'string', describe: 'provisioned fleet: a scenario file (its fleet:), or JSON/CSV of id,site,kind,model; births from anything else are quarantined' })
          .option('allow-unprovisioned', { type: 'boolean', default: false, describe: 'admit births from any device (experiments only; the registry stays bounded)' })
          .option('max-devices', { type: 'number', describe: 'most devices provisioned (--fleet plus POST /api/v1/devices; default 1,000,000) and registered (default 100,000 with --allow-unprovisioned)' })
          .option('api-token', { type: 'string', default: process.env.MSP_TWIN_API_TOKEN, defaultDescription: '$MSP_TWIN_API_TOKEN, else generated and printed', describe: 'bearer token API writes need (required with a non-loopback --api-host)' })
          .option('api-allowed-host', { type: 'string', array: true, describe: 'Host name the API answers to besides loopback ones (repeatable; * = any)' })
          .option('api-allowed-origin', { type: 'string', array: true, describe: 'browser origin allowed to call the API besides loopback ones (repeatable)' }),
      (a) =>
        guard(async () => {
          const { platformCommand, platformVerifyCommand } = await import('./commands/platform.ts');
          if (a.action === 'verify') return platformVerifyCommand({ data: a.data, repair: a.repair, catalog: a.catalog, json: a.json }, io);
          return platformCommand(
            {
              broker: a.broker, username: a.username, password: a.password, secret: a.secret, api_host: a['api-host'], api_port: a['api-port'], journal: a.journal, catalog: a.catalog,
              data: a.data, clock: a.clock, ca: a.ca, cert: a.cert, key: a.key, insecure: a.insecure, snapshot_every: a['snapshot-every'], fsync: a.fsync,
              fleet: a.fleet, allow_unprovisioned: a['allow-unprovisioned'], max_devices: a['max-devices'], api_token: a['api-token'], api_allowed_host: a['api-allowed-host'], api_allowed_origin: a['api-allowed-origin'],
            },
            io,
            untilSignal(),
          );
        }),
    )
    .command(
      'load',
      'load test: ramp device connections, hold a publish rate, ramp down; latency percentiles, ceiling ratio, resource use, regression gate',
      (y) =>
        brokerClientOptions(y)
          .option('devices', { type: 'number', default: 2_000, describe: 'devices in the fleet (all shards together)' })
          .option('mqtt-mode', { choices: ['per-device', 'gateway'] as const, default: 'per-device' as const, describe: 'one connection per device, or one per gateway carrying its floor' })
          .option('per-gateway', { type: 'number', default: 100, describe: 'devices per floor gateway (gateway mode: per connection)' })
          .option('connect-rate', { type: 'number', default: 500, describe: 'connections opened (and closed in the ramp-down) per second' })
          .option('rate', { type: 'number', default: 2_000, describe: 'target publish rate of the fleet, msg/s, held for --duration' })
          .option('duration', { type: 'string', default: '30s', describe: 'hold phase length, e.g. 30s, 5m (1s…24h)' })
          .option('alert-rate', { type: 'number', default: 5, describe: 'leak probes per second whose publish → alert latency is measured (0 = none)' })
          .option('qos', { choices: [0, 1] as const, default: 1 as const, describe: 'telemetry QoS (events are always QoS 1)' })
          .option('workers', { type: 'number', default: 1, describe: 'generator worker processes (0 = agents in this process)' })
          .option('broker', { type: 'string', describe: 'external broker or cluster address (mqtt://, mqtts://, ws://, wss://); default: embedded' })
          .option('broker-nodes', { type: 'number', default: 1, describe: 'embedded broker node processes the fleet is spread over' })
          .option('open', { type: 'boolean', default: false, describe: 'embedded broker without authentication or ACLs' })
          .option('mqtt-version', { choices: [4, 5] as const, default: 4 as const, describe: 'MQTT protocol level (5 needs --broker)' })
          .option('shard', { type: 'string', default: '0/1', describe: 'run shard INDEX/COUNT (0-based) of the fleet, e.g. $JOB_COMPLETION_INDEX/8' })
          .option('platform', { type: 'boolean', default: true, describe: 'run the platform under test here (--no-platform: it runs elsewhere)' })
          .option('calibrate-messages', { type: 'number', default: 50_000, describe: 'messages for the broker fan-in ceiling before the run (0 = skip)' })
          .option('calibrate-publishers', { type: 'number', default: 10, describe: 'publishers for the ceiling measurement' })
          .option('http-connections', { type: 'number', default: 10, describe: 'autocannon connections on the platform API during the hold (0 = no HTTP load)' })
          .option('http-rate', { type: 'number', default: 200, describe: 'HTTP requests per second over all connections (0 = as fast as the API answers)' })
          .option('http-path', { type: 'string', array: true, describe: 'API paths to request (repeatable; default: health, firing alerts, open incidents)' })
          .option('api-url', { type: 'string', describe: 'platform API to load instead of the embedded platform\'s (e.g. with --no-platform)' })
          .option('metrics-port', { type: 'number', describe: 'serve the generator\'s Prometheus metrics on 127.0.0.1:PORT/metrics (0 = any free port)' })
          .option('metrics-host', { type: 'string', default: '127.0.0.1', describe: 'interface for --metrics-port (0.0.0.0 inside a pod)' })
          .option('hold-at', { type: 'string', describe: 'start the hold at this wall time (ISO or epoch ms), so shards hold together' })
          .option('seed', { type: 'string', default: 'load', describe: 'fleet seed: device kinds and the shard partition derive from it' })
          .option('max-in-flight', { type: 'number', default: 100, describe: 'connections waiting for CONNACK at once' })
          .option('inject-platform-delay-ms', { type: 'number', default: 0, describe: 'TEST ONLY: slow the platform down by this much per message and per HTTP request' })
          .option('baseline', { type: 'string', describe: 'compare with this baseline; exit 1 on a regression' })
          .option('save-baseline', { type: 'string', describe: 'write this run\'s metrics as a baseline file' })
          .option('max-regression', { type: 'string', array: true, describe: 'tolerance: 10% for every gated metric, or NAME=25% for one (repeatable)' })
          .option('out', { type: 'string', default: 'out/load', describe: 'directory for load-report.json (and gate.json, junit.xml with --baseline)' })
          .option('json', { type: 'boolean', default: false, describe: 'print the report as one JSON object' }),
      (a) =>
        guard(async () =>
          (await import('./commands/load.ts')).loadCommand(
            {
              devices: a.devices, mqtt_mode: a['mqtt-mode'], per_gateway: a['per-gateway'], connect_rate: a['connect-rate'], rate: a.rate, duration: a.duration, alert_rate: a['alert-rate'],
              qos: a.qos, workers: a.workers, broker: a.broker, broker_nodes: a['broker-nodes'], open: a.open, mqtt_version: a['mqtt-version'], username: a.username, password: a.password,
              secret: a.secret, ca: a.ca, cert: a.cert, key: a.key, insecure: a.insecure, shard: a.shard, platform: a.platform, calibrate_messages: a['calibrate-messages'],
              calibrate_publishers: a['calibrate-publishers'], http_connections: a['http-connections'], http_rate: a['http-rate'], http_path: a['http-path'], api_url: a['api-url'], metrics_port: a['metrics-port'], metrics_host: a['metrics-host'],
              hold_at: a['hold-at'], seed: a.seed, max_in_flight: a['max-in-flight'], inject_platform_delay_ms: a['inject-platform-delay-ms'], baseline: a.baseline,
              save_baseline: a['save-baseline'], max_regression: a['max-regression'], out: a.out, json: a.json,
            },
            io,
          ),
        ),
    )
    .command(
      'view',
      'open the building viewer on 127.0.0.1: replay a recorded run (--trace) or watch a broker live (--live)',
      (y) =>
        secretOption(y)
          .option('trace', { type: 'string', describe: 'trace.jsonl, or a run directory written by run --out (uses its topology.json)' })
          .option('live', { type: 'boolean', default: false, describe: 'read a running broker over MQTT-over-WebSocket (read-only viewer role)' })
          .option('broker', { type: 'string', describe: 'live: the broker\'s WebSocket URL, e.g. ws://127.0.0.1:8883/mqtt' })
          .option('api', { type: 'string', describe: 'live: a platform HTTP API origin to show alerts and incidents from, e.g. http://127.0.0.1:8080' })
          .option('topology', { type: 'string', describe: 'topology.json (metros, names, zone areas) when not next to the trace' })
          .option('username', { type: 'string', describe: 'live: a shared broker username instead of the viewer role' })
          .option('password', { type: 'string', describe: 'live: its password' })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'interface to serve on (loopback by default)' })
          .option('port', { type: 'number', default: 0, describe: 'HTTP port (0 = pick a free one; the URL is printed)' })
          .option('build', { type: 'boolean', default: true, describe: 'build the bundle when missing or stale (--no-build: never)' }),
      (a) =>
        guard(async () => {
          const { viewCommand } = await import('./commands/view.ts');
          return viewCommand({ trace: a.trace, topology: a.topology, live: a.live, broker: a.broker, api: a.api, secret: a.secret, username: a.username, password: a.password, host: a.host, port: a.port, build: a.build }, io, untilSignal());
        }),
    )
    .command(
      'shard',
      'one shard of a run coordinated through a broker: waits for `run --shards N --shard-broker URL --shard-run ID`, simulates the sites it is given (docs/scale-out.md)',
      (y) =>
        brokerClientOptions(y)
          .option('broker', { type: 'string', demandOption: true, describe: 'the broker the coordinator uses (mqtt://, mqtts://, ws:// or wss://)' })
          .option('run', { type: 'string', default: 'run', describe: 'the run id, the same as the coordinator\'s --shard-run' })
          .option('shard-index', { type: 'number', describe: 'this shard\'s index, 0 … N-1 (default: $JOB_COMPLETION_INDEX, as in a Kubernetes Indexed Job)' }),
      (a) =>
        guard(async () =>
          (await import('./commands/shard.ts')).shardCommand(
            { broker: a.broker, run: a.run, shard_index: a['shard-index'], secret: a.secret, username: a.username, password: a.password, ca: a.ca, cert: a.cert, key: a.key, insecure: a.insecure },
            io,
          ),
        ),
    )
    .command(
      'inspect <run-dir>',
      'the fidelity report: an HTML page of SVG charts of one zone (or one device) from a run written with run --out',
      (y) =>
        y
          .positional('run-dir', { type: 'string', demandOption: true, describe: 'a directory written by msp-twin run SCENARIO --out DIR (trace.jsonl, world.json)' })
          .option('zone', { type: 'string', describe: 'a zone id, e.g. tower-f01-z01: temperature, setpoints, HVAC, occupancy, lighting, humidity, battery and radio of its devices' })
          .option('device', { type: 'string', describe: 'a device id: its own charts, in its zone\'s context (outdoor air)' })
          .option('out', { type: 'string', describe: 'the HTML file to write (default RUN_DIR/inspect-ID.html)' }),
      (a) => guard(async () => (await import('./commands/inspect.ts')).inspectCommand({ run_dir: a['run-dir'], zone: a.zone, device: a.device, out: a.out }, io)),
    )
    .command(
      'bench',
      'measure simulator throughput and memory on the flagship fleet; prints a table and writes JSON',
      (y) =>
        y
          .option('days', { type: 'number', default: 7, describe: 'simulated days for the simulator throughput run' })
          .option('shard-days', { type: 'number', default: 3, describe: 'simulated days for the 1-shard against --shards 2 comparison (a shorter run is mostly start-up and births)' })
          .option('scale-devices', { type: 'number', default: 100_000, describe: 'fleet size of the at-scale run (the flagship with every building count multiplied)' })
          .option('shard-pairs', { type: 'number', default: 3, describe: 'pairs of 1-shard and 2-shard runs, back to back; the median pair\'s ratio is reported' })
          .option('month-days', { type: 'number', default: 0, describe: 'simulated days of the plain command (NOC included; 2 shards where the command picks them) against the month target, scaled (30 for the month; 0 skips it)' })
          .option('scale-hours', { type: 'number', default: 24, describe: 'simulated hours of the at-scale run over 2 shards (0 skips it; under 24 the day is projected)' })
          .option('only', { choices: ['sim', 'mqtt', 'platform', 'store', 'load', 'viewer'] as const, array: true, describe: 'run only these sections (default: all)' })
          .option('connections', { type: 'number', default: 10_000, describe: 'device connections to open in the connection benchmark' })
          .option('out', { type: 'string', default: 'bench-results', describe: 'directory for the JSON results' }),
      (a) => guard(async () => (await import('./commands/bench.ts')).benchCommand({ days: a.days, shard_days: a['shard-days'], shard_pairs: a['shard-pairs'], month_days: a['month-days'], scale_devices: a['scale-devices'], scale_hours: a['scale-hours'], out: a.out, only: a.only, connections: a.connections }, io)),
    )
    .demandCommand(1, 'name a command: run, scenarios, diff, inspect, broker, platform, load, view or bench (see --help)')
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
