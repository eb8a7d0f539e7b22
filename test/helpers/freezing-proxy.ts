/**
 * A loopback TCP proxy in front of a broker that can make one client's subscription go silent:
 * the chosen connection of a client id stops receiving (the broker's bytes toward it are held, never
 * delivered) after a number of bytes, while what the client sends still reaches the broker. That
 * is what a subscriber sees when a broker strands its queue (Mosquitto 2.0.11's inflight quota
 * accounting): a live connection on which nothing more arrives.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface FreezingProxy {
  readonly url: string;
  /** Connections frozen so far. */
  readonly frozen: number;
  close(): Promise<void>;
}

export interface FreezeRule {
  /** The client id to watch for in a connection's CONNECT packet. */
  readonly client_id: string;
  /** Which of that client id's connections to freeze (1 = the first). */
  readonly connection: number;
  /** Broker-to-client bytes delivered on that connection before it goes silent. */
  readonly after_bytes: number;
  /** Past after_bytes, go silent only at the first chunk that contains this text (withheld whole). */
  readonly at_text?: string;
}

export async function startFreezingProxy(broker_port: number, rule: FreezeRule): Promise<FreezingProxy> {
  const sockets = new Set<net.Socket>();
  let seen = 0;
  let frozen = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: broker_port });
    sockets.add(client).add(upstream);
    let decided = false;
    let freeze = false;
    let delivered = 0;
    client.on('data', (chunk: Buffer) => {
      if (!decided) {
        decided = true;
        // The first bytes a client sends are its CONNECT packet, which carries its client id.
        if (chunk.includes(Buffer.from(rule.client_id))) freeze = ++seen === rule.connection;
      }
      upstream.write(chunk);
    });
    let silent = false;
    upstream.on('data', (chunk: Buffer) => {
      if (silent) return;
      if (freeze && rule.at_text !== undefined && delivered >= rule.after_bytes && chunk.includes(Buffer.from(rule.at_text))) {
        silent = true;
        frozen++;
        return;
      }
      if (freeze && rule.at_text === undefined && delivered >= rule.after_bytes) return;
      if (freeze && rule.at_text === undefined && delivered + chunk.length > rule.after_bytes) {
        // Deliver up to the limit, never beyond: a partial packet is what a stalled socket leaves too.
        client.write(chunk.subarray(0, rule.after_bytes - delivered));
        delivered = rule.after_bytes;
        frozen++;
        return;
      }
      delivered += chunk.length;
      client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    get frozen() {
      return frozen;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
