import { AccessPolicy } from '../broker/access-policy.ts';
import { startEmbeddedBroker, type BrokerStats, type EmbeddedBroker } from '../broker/embedded-broker.ts';
import { buildLoadFleet, loadGatewayChildren, type LoadFleetSpec } from './fleet.ts';
import { UsageMeter, type ProcessUsage } from './process-usage.ts';
import { ChildRpc, serveRpc } from './rpc.ts';

/**
 * An embedded broker node in a process of its own. Load runs and the connection benchmark put
 * the broker apart from the clients so each side has its own core and its own open-file limit
 * (10,000 device connections need 10,000 sockets on each side), and so the generator's CPU
 * figures are its own. Several nodes spread a fleet larger than one process may hold; each is an
 * independent aedes, so the platform subscribes to every node (docs/load.md).
 */
export interface BrokerNodeConfig {
  readonly port: number;
  /** Per-device credentials and ACLs for this fleet; null = open (no authentication). */
  readonly auth: { readonly secret: string; readonly fleet: LoadFleetSpec | null } | null;
}

export interface BrokerNodeStatus {
  readonly url: string;
  readonly stats: BrokerStats;
  readonly usage: ProcessUsage;
}

/** Coordinator side: a running node. */
export interface BrokerNode {
  readonly index: number;
  readonly url: string;
  readonly pid: number;
  status(): Promise<BrokerNodeStatus>;
  /** Starts a new usage window (the hold phase). */
  resetUsage(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBrokerNode(index: number, config: BrokerNodeConfig, timeout_ms = 30_000): Promise<BrokerNode> {
  const rpc = new ChildRpc(`broker-${index}`, new URL('./entry/broker.ts', import.meta.url));
  try {
    const { url } = await rpc.call<{ url: string }>('start', config, timeout_ms);
    return {
      index,
      url,
      pid: rpc.pid,
      status: () => rpc.call<BrokerNodeStatus>('status', {}, 10_000),
      resetUsage: () => rpc.call<void>('reset', {}, 10_000),
      stop: () => rpc.stop(),
    };
  } catch (err) {
    await rpc.stop(1_000);
    throw err;
  }
}

/** Child side (harness/load/entry/broker.ts). */
export function serveBrokerNode(): void {
  let broker: EmbeddedBroker | undefined;
  const meter = new UsageMeter('broker');
  serveRpc(
    {
      start: async (config: BrokerNodeConfig) => {
        const policy = config.auth
          ? new AccessPolicy({ fleet_secret: config.auth.secret, gateway_children: config.auth.fleet ? loadGatewayChildren(buildLoadFleet(config.auth.fleet)) : new Map() })
          : undefined;
        broker = await startEmbeddedBroker({ port: config.port, ws_port: null, ...(policy ? { policy } : {}) });
        return { url: broker.url };
      },
      status: () => ({ url: broker?.url ?? '', stats: broker?.stats, usage: meter.snapshot() }),
      reset: () => meter.reset(),
    },
    async () => {
      meter.stop();
      await broker?.close();
    },
  );
}

