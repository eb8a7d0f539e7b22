/**
 * What the view server tells the page (GET /config.json), and the topology document
 * `msp-twin run --out DIR` writes as DIR/topology.json. The harness writes them and the viewer reads
 * them, so they live with the contract (both may import it) and server and page cannot disagree.
 */
export type ViewerConfig =
  | {
      readonly mode: 'replay';
      readonly title: string;
      /** The trace file, served with HTTP range support (the details panel fetches single lines). */
      readonly trace_url: string;
      readonly trace_bytes: number;
      readonly topology_url: string | null;
    }
  | {
      readonly mode: 'live';
      readonly title: string;
      /** MQTT over WebSocket, read-only viewer credentials. */
      readonly broker: { readonly url: string; readonly username: string; readonly password: string };
      readonly topology_url: string | null;
      /** Server-sent events carrying the platform's decisions (`p.*` trace lines) of an in-process run. */
      readonly events_url: string | null;
      /** Proxied platform HTTP API (`msp-twin view --live --api URL`), polled for alerts and incidents. */
      readonly api_url: string | null;
    }
  | { readonly mode: 'bench'; readonly title: string };

export interface TopologyDoc {
  readonly v: 1;
  readonly name: string;
  /** The scenario's start time zone: the clock's zone on the portfolio page (a site's page uses the site's). */
  readonly timezone?: string;
  readonly sites: ReadonlyArray<{
    readonly id: string;
    readonly name: string;
    readonly metro: string;
    readonly timezone: string;
    readonly buildings: ReadonlyArray<{
      readonly id: string;
      readonly name: string;
      readonly type: string;
      readonly floors: ReadonlyArray<{
        readonly id: string;
        readonly level: number;
        /** `unit: true` marks a residential unit (the zone is the apartment; its id is the unit id). */
        readonly zones: ReadonlyArray<{ readonly id: string; readonly name: string; readonly area_m2: number; readonly unit?: true }>;
      }>;
    }>;
  }>;
  /** The SLA terms the run's platform used (the gauges apply the same formulas). */
  readonly contract: {
    readonly availability_target: number;
    readonly response_targets_ms: Readonly<Record<string, number>>;
    readonly approved_firmware: Readonly<Record<string, string>>;
  };
}
