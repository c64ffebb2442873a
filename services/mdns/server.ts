// The mdns engine assembled: the zone table, one request handler and its cache, and UDP + TCP listeners
// on every configured address: on this thread, or with `workers` above 1 on that many answering threads
// (answer-threads.ts) that mirror the zone table. Zone content arrives separately (a zone directory, storage).
import { QueryHandler } from '../../engine/answer/handler.ts';
import { ZoneTable } from '../../engine/answer/zone-table.ts';
import { TransferAcl } from '../../engine/net/acl.ts';
import { refusalReporter, TcpListener } from '../../engine/net/tcp-listener.ts';
import { udpBatchUnavailable, type UdpBatchListener } from '../../engine/net/udp-batch.ts';
import { openDnsListeners } from '../../engine/net/dns-listeners.ts';
import { UDP_IO_MODES, type UdpIo, type UdpListener } from '../../engine/net/udp-listener.ts';
import type { AxfrImageOptions } from '../../engine/xfr/axfr-image.ts';
import { XFR_DEFAULTS } from '../../engine/xfr/options.ts';
import { TransferService } from '../../engine/xfr/service.ts';
import { TsigKeyring, type TsigKey } from '../../engine/tsig/keys.ts';
import type { QueryStats } from '../../engine/answer/query-stats.ts';
import type { Logger } from '../log.ts';
import { AnswerThreads } from './answer-threads.ts';
import { meterServer, transferMetrics } from './metrics.ts';
import { type Endpoint, formatEndpoint } from './endpoint.ts';

export interface MdnsOptions {
  listen: Endpoint[];
  /** Answering threads ([service:mdns] workers); 1 answers on this thread, with no thread started. */
  workers: number;
  udpPayloadSize: number;
  udpReceiveBuffer: number;
  /** UDP through the batching addon (recvmmsg/sendmmsg) or Node's dgram; `auto` takes the addon when built. */
  udpIo: UdpIo;
  tcpIdleTimeout: number;
  tcpMessageTimeout: number;
  tcpMaxConnections: number;
  /** Connections one source address may hold at once, over all answering threads; 0: no limit of its own. */
  tcpMaxConnectionsPerSource: number;
  responseCacheSize: number;
  /** `allow_transfer` for zones without their own: prefixes and key=NAME entries; empty refuses everyone. */
  allowTransfer: string[];
  /** TSIG keys that requests may be signed with. */
  tsigKeys: TsigKey[];
  /** Largest zone transfer message (Designate's [service:mdns] max_message_size). */
  maxMessageSize: number;
}

export const MDNS_DEFAULTS: Omit<MdnsOptions, 'listen'> = {
  workers: 1,
  udpPayloadSize: 1232, // RFC 9715 / DNS flag day 2020: no IP fragmentation
  udpReceiveBuffer: 8 * 1024 * 1024,
  udpIo: 'auto',
  tcpIdleTimeout: 10, // Knot's tcp-idle-timeout
  tcpMessageTimeout: 2,
  tcpMaxConnections: 1024,
  tcpMaxConnectionsPerSource: 64,
  responseCacheSize: 100_000,
  allowTransfer: [],
  tsigKeys: [],
  maxMessageSize: XFR_DEFAULTS.maxMessageSize,
};

/** A listener's onError: a bug must never take the server down, nor flood the log; the first 100 are logged in full. */
export function requestErrors(log: Logger): (err: Error) => void {
  let logged = 0;
  return (err) => {
    if (logged++ < 100) log.error({ err }, 'request failed');
  };
}

export class MdnsServer {
  readonly zones = new ZoneTable();
  readonly handler: QueryHandler;
  readonly transfers: TransferService;
  readonly keyring = new TsigKeyring();
  /** allow_transfer: who may transfer a zone that sets no rule of its own. */
  readonly transferAcl: TransferAcl;
  /** How transfer messages are rendered: the configured size, with room for TSIG. */
  readonly xfr: AxfrImageOptions;
  /** The answering threads when `workers` is above 1; null when this thread answers. */
  threads: AnswerThreads | null = null;
  private readonly udp: (UdpListener | UdpBatchListener)[] = [];
  private readonly tcp: TcpListener[] = [];
  private readonly log: Logger;
  private readonly unmeter: () => void;

  private constructor(options: MdnsOptions, log: Logger) {
    this.log = log;
    // With answering threads this handler answers nothing (they share a cache of their own): no cache here.
    const responseCacheSize = options.workers > 1 ? 0 : options.responseCacheSize;
    this.handler = new QueryHandler(this.zones, { ...options, responseCacheSize, keyring: this.keyring });
    this.xfr = { maxMessageSize: options.maxMessageSize, reserve: XFR_DEFAULTS.reserve };
    for (const key of options.tsigKeys) this.keyring.add(key);
    this.transferAcl = new TransferAcl(options.allowTransfer);
    this.transfers = new TransferService(this.zones, {
      defaultAcl: this.transferAcl, ...this.xfr, keyring: this.keyring, log, observer: transferMetrics,
    });
    this.unmeter = meterServer(this);
  }

  static async start(options: MdnsOptions, log: Logger): Promise<MdnsServer> {
    if (options.udpPayloadSize < 512 || options.udpPayloadSize > 65535) throw new Error('udp payload size must be 512..65535');
    // A message must hold the largest TSIG RR and still carry records.
    if (options.maxMessageSize < 2048 || options.maxMessageSize > 65535) throw new Error('max message size must be 2048..65535');
    if (!UDP_IO_MODES.includes(options.udpIo)) throw new Error(`udp io must be one of ${UDP_IO_MODES.join(', ')}`);
    if (!Number.isInteger(options.workers) || options.workers < 1 || options.workers > 256) throw new Error('workers must be 1..256');
    if (options.udpIo === 'auto' && udpBatchUnavailable !== null) {
      log.warn({ reason: udpBatchUnavailable }, 'batched UDP addon not loaded (npm install builds it): using dgram');
    }
    const server = new MdnsServer(options, log);
    const onError = requestErrors(log);
    try {
      if (options.workers > 1) {
        // Only what answering needs crosses to the threads (not the configured keys, which the keyring mirrors).
        const { udpPayloadSize, udpReceiveBuffer, udpIo, tcpIdleTimeout, tcpMessageTimeout, tcpMaxConnections, responseCacheSize } = options;
        // The kernel spreads one source's connections over the threads (by source port): each takes its share.
        const tcpMaxConnectionsPerSource = Math.ceil(options.tcpMaxConnectionsPerSource / options.workers);
        const listening = {
          udpPayloadSize, udpReceiveBuffer, udpIo, tcpIdleTimeout, tcpMessageTimeout, tcpMaxConnections, tcpMaxConnectionsPerSource, responseCacheSize,
        };
        server.threads = await AnswerThreads.start(options.workers, options.listen, listening, {
          zones: server.zones, keyring: server.keyring, transfers: server.transfers,
        }, log);
      } else {
        for (const endpoint of options.listen) await server.listen(endpoint, options, onError);
      }
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  /** UDP and TCP on one address (port 0: the same free port for both). */
  private async listen(endpoint: Endpoint, options: MdnsOptions, onError: (err: Error) => void): Promise<void> {
    const { udp, tcp } = await openDnsListeners(this.handler, endpoint.host, endpoint.port, options.udpIo, {
      receiveBufferSize: options.udpReceiveBuffer, onError,
    }, {
      idleTimeout: options.tcpIdleTimeout, messageTimeout: options.tcpMessageTimeout,
      maxConnections: options.tcpMaxConnections, transfers: this.transfers, onError,
      maxConnectionsPerSource: options.tcpMaxConnectionsPerSource,
      onRefused: refusalReporter((fields, msg) => this.log.warn(fields, msg), options.tcpMaxConnectionsPerSource),
    });
    this.udp.push(udp);
    this.tcp.push(tcp);
    this.log.info({ listen: formatEndpoint({ host: endpoint.host, port: udp.address.port }), udpIo: udp.io, udpReceiveBuffer: udp.receiveBufferSize }, 'listening (udp, tcp)');
  }

  /** The bound addresses, in the order of `listen` (useful with port 0). */
  get endpoints(): Endpoint[] {
    if (this.threads !== null) return this.threads.endpoints;
    return this.udp.map((u) => ({ host: u.address.address, port: u.address.port }));
  }

  /** Where the answers are counted: each answering thread's counts, or this thread's handler's. */
  queryStats(): QueryStats[] {
    return this.threads !== null ? this.threads.stats : [this.handler.stats];
  }

  /** Open TCP connections over all listen addresses. */
  get tcpConnections(): number {
    if (this.threads !== null) return this.threads.tcpConnections;
    return this.tcp.reduce((sum, t) => sum + t.connections, 0);
  }

  async close(): Promise<void> {
    for (const u of this.udp) {
      if (u.io === 'batched') this.log.debug({ listen: formatEndpoint({ host: u.address.address, port: u.address.port }), ...u.stats }, 'udp batch sizes');
    }
    await Promise.all([...this.udp.map((u) => u.close()), ...this.tcp.map((t) => t.close()), this.threads?.close()]);
    this.unmeter();
    this.log.info('listeners closed');
  }
}
