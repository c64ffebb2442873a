// The mdns engine assembled: the zone table, one request handler and its cache, and UDP + TCP listeners
// on every configured address. Zone content arrives separately (a zone directory now, storage later).
import { QueryHandler } from '../../engine/answer/handler.ts';
import { ZoneTable } from '../../engine/answer/zone-table.ts';
import { TcpListener } from '../../engine/net/tcp-listener.ts';
import { UdpListener } from '../../engine/net/udp-listener.ts';
import type { Logger } from '../log.ts';
import { type Endpoint, formatEndpoint } from './endpoint.ts';

export interface MdnsOptions {
  listen: Endpoint[];
  udpPayloadSize: number;
  udpReceiveBuffer: number;
  tcpIdleTimeout: number;
  tcpMessageTimeout: number;
  tcpMaxConnections: number;
  responseCacheSize: number;
}

export const MDNS_DEFAULTS: Omit<MdnsOptions, 'listen'> = {
  udpPayloadSize: 1232, // RFC 9715 / DNS flag day 2020: no IP fragmentation
  udpReceiveBuffer: 8 * 1024 * 1024,
  tcpIdleTimeout: 10, // Knot's tcp-idle-timeout
  tcpMessageTimeout: 2,
  tcpMaxConnections: 1024,
  responseCacheSize: 100_000,
};

export class MdnsServer {
  readonly zones = new ZoneTable();
  readonly handler: QueryHandler;
  private readonly udp: UdpListener[] = [];
  private readonly tcp: TcpListener[] = [];
  private readonly log: Logger;

  private constructor(options: MdnsOptions, log: Logger) {
    this.log = log;
    this.handler = new QueryHandler(this.zones, options);
  }

  static async start(options: MdnsOptions, log: Logger): Promise<MdnsServer> {
    if (options.udpPayloadSize < 512 || options.udpPayloadSize > 65535) throw new Error('udp payload size must be 512..65535');
    const server = new MdnsServer(options, log);
    let errorsLogged = 0;
    // A bug must never take the server down, nor flood the log: the first errors are logged in full.
    const onError = (err: Error) => {
      if (errorsLogged++ < 100) log.error({ err }, 'request failed');
    };
    try {
      for (const endpoint of options.listen) {
        const udp = await UdpListener.open(server.handler, { ...endpoint, receiveBufferSize: options.udpReceiveBuffer, onError });
        server.udp.push(udp);
        // Port 0 lets the OS choose; TCP then takes the same port as UDP.
        const port = udp.address.port;
        server.tcp.push(await TcpListener.open(server.handler, {
          host: endpoint.host, port, idleTimeout: options.tcpIdleTimeout, messageTimeout: options.tcpMessageTimeout,
          maxConnections: options.tcpMaxConnections, onError,
        }));
        log.info({ listen: formatEndpoint({ host: endpoint.host, port }), udpReceiveBuffer: udp.receiveBufferSize }, 'listening (udp, tcp)');
      }
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  /** The bound addresses, in the order of `listen` (useful with port 0). */
  get endpoints(): Endpoint[] {
    return this.udp.map((u) => ({ host: u.address.address, port: u.address.port }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.udp.map((u) => u.close()), ...this.tcp.map((t) => t.close())]);
    this.log.info('listeners closed');
  }
}
