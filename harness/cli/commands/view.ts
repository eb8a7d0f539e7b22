/**
 * `msp-twin view`: the PixiJS viewer on 127.0.0.1 with a printed URL.
 *   --trace FILE|DIR   replay a recorded run (DIR/trace.jsonl, with DIR/topology.json when present)
 *   --live             a read-only MQTT-over-WebSocket client of a broker (and, with --api, of a
 *                      platform's HTTP API)
 * Builds the bundle first when it is missing or stale. Runs until `until` resolves (Ctrl-C).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { TopologyDoc } from '../../../platform/contract/viewer-docs.ts';
import { rolePassword, VIEWER_USERNAME } from '../../../platform/contract/credentials.ts';
import { UsageError } from '../../errors.ts';
import { DIST_DIR, ensureViewerBuilt, viewerBuildState } from '../../view/build.ts';
import { startViewServer } from '../../view/server.ts';
import { ExitCode } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';

export interface ViewArgs {
  trace?: string | undefined;
  topology?: string | undefined;
  live: boolean;
  broker?: string | undefined;
  secret: string;
  username?: string | undefined;
  password?: string | undefined;
  api?: string | undefined;
  host: string;
  port: number;
  /** false: never build (fail when the bundle is missing). */
  build: boolean;
}

function readTopology(path: string): TopologyDoc {
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as TopologyDoc;
    if (doc?.v !== 1 || !Array.isArray(doc.sites)) throw new Error('not a topology document (v: 1, sites: [...])');
    return doc;
  } catch (err) {
    throw new UsageError('VIEW_TOPOLOGY', `cannot read the topology file ${path}: ${(err as Error).message}`);
  }
}

export async function viewCommand(args: ViewArgs, io: CliIo, until: Promise<void>): Promise<number> {
  if ((args.trace !== undefined) === args.live) throw new UsageError('VIEW_MODE', 'give exactly one of --trace FILE (replay) or --live (a running broker)');
  let trace_file: string | undefined;
  let topology: TopologyDoc | null = null;
  let title = 'msp-twin';
  let live: Parameters<typeof startViewServer>[0]['live'];
  if (args.trace !== undefined) {
    if (!existsSync(args.trace)) throw new UsageError('VIEW_TRACE_MISSING', `no such trace file or run directory: ${args.trace}`);
    trace_file = statSync(args.trace).isDirectory() ? join(args.trace, 'trace.jsonl') : args.trace;
    if (!existsSync(trace_file)) throw new UsageError('VIEW_TRACE_MISSING', `${args.trace} has no trace.jsonl (write one with msp-twin run … --out DIR)`);
    const topo_path = args.topology ?? join(dirname(trace_file), 'topology.json');
    if (args.topology !== undefined || existsSync(topo_path)) topology = readTopology(topo_path);
    title = topology?.name ?? basename(dirname(trace_file));
  } else {
    if (args.broker === undefined) throw new UsageError('VIEW_BROKER_REQUIRED', '--live needs --broker ws://HOST:PORT/mqtt (msp-twin broker prints it)');
    if (!/^wss?:\/\//.test(args.broker)) throw new UsageError('VIEW_BROKER_WS', `a browser speaks MQTT over WebSocket only: give a ws:// or wss:// URL, not ${args.broker}`);
    if (args.api !== undefined && !/^https?:\/\//.test(args.api)) throw new UsageError('VIEW_API_URL', `--api takes the platform's HTTP origin, e.g. http://127.0.0.1:8080, not ${args.api}`);
    if (args.topology !== undefined) topology = readTopology(args.topology);
    title = topology?.name ?? 'live';
    live = {
      broker_ws_url: args.broker,
      username: args.username ?? VIEWER_USERNAME,
      password: args.username !== undefined ? (args.password ?? '') : rolePassword(args.secret, 'viewer'),
      events: false,
      api_url: args.api,
    };
  }
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  if (args.build) {
    const built = await ensureViewerBuilt(say);
    if (built.built) say(`viewer: bundle built in ${(built.ms / 1000).toFixed(1)} s`);
  } else if (!existsSync(join(DIST_DIR, 'index.html'))) {
    throw new UsageError('VIEW_NOT_BUILT', 'no viewer bundle: run npm run build (or drop --no-build)');
  } else if (!viewerBuildState().fresh) say('viewer: warning: the bundle is older than the viewer sources (--no-build)');
  const server = await startViewServer({
    dist_dir: DIST_DIR,
    host: args.host,
    port: args.port,
    title,
    mode: trace_file !== undefined ? 'replay' : 'live',
    ...(trace_file !== undefined ? { trace_file } : {}),
    topology,
    ...(live ? { live } : {}),
    on_log: say,
  });
  io.stdout.write(`viewer: ${server.url}\n`);
  say(trace_file !== undefined ? `viewer: replaying ${trace_file}${topology ? ' (with topology.json)' : ''}; Ctrl-C to stop` : `viewer: live from ${args.broker}${args.api ? ` and ${args.api}` : ''}; Ctrl-C to stop`);
  await until;
  await server.close();
  return ExitCode.ok;
}
