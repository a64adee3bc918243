import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * The faults a network can put between the gateway and a server:
 * - `latency`: every chunk, both ways, arrives `ms` late;
 * - `blackhole`: nothing passes either way, and new connections are accepted but go
 *   nowhere: a partition. Bytes are held, not dropped, as TCP would retransmit them, and
 *   flow again when the fault is lifted;
 * - `reset`: open connections are reset (RST) and new ones are reset on arrival.
 */
export type Fault = { kind: 'none' } | { kind: 'latency'; ms: number } | { kind: 'blackhole' } | { kind: 'reset' };

/** The three faults the fault tests inject, named for their titles: latency is four timeouts long. */
export function networkFaults(timeoutMs: number): [string, Fault][] {
  return [
    ['latency above the timeout', { kind: 'latency', ms: timeoutMs * 4 }],
    ['a blackhole', { kind: 'blackhole' }],
    ['connection resets', { kind: 'reset' }],
  ];
}

export interface FaultProxy {
  /** `host:port` to give the gateway instead of the server's. */
  readonly address: string;
  readonly port: number;
  set(fault: Fault): void;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  server: Socket | undefined;
  /** Bytes held during a blackhole, in order, with their direction. */
  held: { toServer: boolean; chunk: Buffer }[];
}

/**
 * A TCP proxy on loopback in front of `target` (`host:port`) that injects faults on command,
 * on `port` (default: any free one).
 */
export async function startFaultProxy(target: string, port = 0): Promise<FaultProxy> {
  const [host, targetPort] = splitHostPort(target);
  let fault: Fault = { kind: 'none' };
  const links = new Set<Link>();

  const forward = (link: Link, toServer: boolean, chunk: Buffer) => {
    if (fault.kind === 'blackhole' || !link.server) {
      link.held.push({ toServer, chunk });
      return;
    }
    const write = () => (toServer ? link.server : link.client)?.write(chunk);
    if (fault.kind === 'latency') setTimeout(write, fault.ms);
    else write();
  };

  const connectUpstream = (link: Link) => {
    const server = createConnection({ host, port: targetPort });
    link.server = server;
    server.on('data', (chunk) => forward(link, false, chunk));
    server.on('error', () => link.client.destroy());
    server.on('close', () => link.client.destroy());
    flush(link);
  };

  const flush = (link: Link) => {
    const held = link.held.splice(0);
    for (const { toServer, chunk } of held) forward(link, toServer, chunk);
  };

  const listener = createServer((client) => {
    if (fault.kind === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const link: Link = { client, server: undefined, held: [] };
    links.add(link);
    client.on('data', (chunk) => forward(link, true, chunk));
    client.on('error', () => link.server?.destroy());
    client.on('close', () => {
      links.delete(link);
      link.server?.destroy();
    });
    if (fault.kind !== 'blackhole') connectUpstream(link);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, '127.0.0.1', resolve);
  });
  const proxyPort = (listener.address() as AddressInfo).port;

  return {
    address: `127.0.0.1:${proxyPort}`,
    port: proxyPort,
    set(next) {
      fault = next;
      if (next.kind === 'reset') {
        for (const link of links) {
          link.client.resetAndDestroy();
          link.server?.resetAndDestroy();
        }
        links.clear();
      } else if (next.kind !== 'blackhole') {
        for (const link of links) {
          if (link.server) flush(link);
          else connectUpstream(link);
        }
      }
    },
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.server?.destroy();
      }
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

/** `url` with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: FaultProxy): string {
  const u = new URL(url);
  u.host = proxy.address;
  return u.toString();
}
