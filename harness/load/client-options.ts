import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { disableNagle, sessionOptions, type MqttTransportOptions } from '../../sim/edge/mqtt/session-options.ts';
import type { WillMessage } from '../../sim/edge/transport.ts';
import { fleetCredentials } from '../../platform/contract/credentials.ts';

/**
 * How every client of a load run (devices, calibration publishers, the platform) connects: the
 * same MQTT.js options the simulator's sessions use, with per-device credentials derived from the
 * fleet secret (embedded broker, or an external one provisioned the same way), shared
 * credentials, or none (an open broker). Plain data, so it crosses to worker processes as is.
 */
export interface ClientConfig {
  readonly auth: 'fleet' | 'shared' | 'none';
  readonly secret: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly protocol_version: 4 | 5;
  /** Real-time clients keep the broker's liveness detection on (unlike lockstep, which sets 0). */
  readonly keepalive_s: number;
  /** File paths, read where the client runs. */
  readonly tls?: { readonly ca?: string | undefined; readonly cert?: string | undefined; readonly key?: string | undefined; readonly insecure?: boolean | undefined } | undefined;
}

export type OptionsFor = (client_id: string, will?: WillMessage) => IClientOptions;

export function clientOptions(url: string, config: ClientConfig): OptionsFor {
  const creds = config.auth === 'fleet' ? fleetCredentials(config.secret) : undefined;
  const tls = config.tls
    ? {
        ...(config.tls.ca ? { ca: readFileSync(config.tls.ca) } : {}),
        ...(config.tls.cert ? { cert: readFileSync(config.tls.cert) } : {}),
        ...(config.tls.key ? { key: readFileSync(config.tls.key) } : {}),
        reject_unauthorized: !config.tls.insecure,
      }
    : undefined;
  const transport: MqttTransportOptions = {
    url,
    credentials: (id) => {
      if (config.auth === 'shared' && config.username !== undefined) return config.password !== undefined ? { username: config.username, password: config.password } : { username: config.username };
      return creds?.(id);
    },
    protocol_version: config.protocol_version,
    keepalive_s: config.keepalive_s,
    ...(tls ? { tls } : {}),
  };
  return (client_id, will) => sessionOptions(transport, client_id, will);
}

export { disableNagle };
