/**
 * `msp-twin run --view`: serve the live viewer for a run in this process. Device traffic reaches
 * the page from the run's broker over MQTT-over-WebSocket (read-only viewer credentials); the
 * platform's decisions reach it as server-sent trace lines, teed off the run's trace sink.
 */
import { rolePassword, VIEWER_USERNAME } from '../../platform/contract/credentials.ts';
import type { Scenario } from '../scenario/scenario.ts';
import type { Portfolio } from '../../sim/world/topology.ts';
import { UsageError } from '../errors.ts';
import { DIST_DIR, ensureViewerBuilt } from './build.ts';
import { startViewServer, type ViewServer } from './server.ts';
import { topologyDocument } from './topology-doc.ts';

export interface RunViewer {
  readonly url: string;
  /** Wraps the run's trace sink so every line also reaches the viewer. */
  sink(inner: ((line: string) => void) | undefined): (line: string) => void;
  /** After the run: on a terminal keep serving until `until` (Ctrl-C); otherwise close now. */
  finish(interactive: boolean, until: () => Promise<void>, say: (line: string) => void): Promise<void>;
  close(): Promise<void>;
}

export async function startRunViewer(args: {
  scenario: Scenario;
  portfolio: Portfolio;
  ws_url: string | null;
  secret: string;
  username?: string | undefined;
  password?: string | undefined;
  port?: number | undefined;
  say: (line: string) => void;
}): Promise<RunViewer> {
  if (args.ws_url === null || !/^wss?:\/\//.test(args.ws_url)) {
    throw new UsageError('RUN_VIEW_BROKER', 'the live viewer reads the broker over MQTT-over-WebSocket: use the embedded broker or --broker ws://…');
  }
  const built = await ensureViewerBuilt(args.say);
  if (built.built) args.say(`viewer: bundle built in ${(built.ms / 1000).toFixed(1)} s`);
  const server: ViewServer = await startViewServer({
    dist_dir: DIST_DIR,
    port: args.port ?? 0,
    title: args.scenario.name,
    mode: 'live',
    topology: topologyDocument(args.portfolio, args.scenario),
    live: {
      broker_ws_url: args.ws_url,
      // A shared external username (--username) is what every client of that broker uses; else the viewer role.
      username: args.username ?? VIEWER_USERNAME,
      password: args.username !== undefined ? (args.password ?? '') : rolePassword(args.secret, 'viewer'),
      events: true,
    },
    on_log: args.say,
  });
  return {
    url: server.url,
    sink: (inner) => (line) => {
      inner?.(line);
      server.feed(line);
    },
    finish: async (interactive, until, say) => {
      if (interactive) {
        say(`viewer: the run has ended; the page keeps its final state at ${server.url} — Ctrl-C to exit`);
        await until();
      }
      await server.close();
    },
    close: () => server.close(),
  };
}
