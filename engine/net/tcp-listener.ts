// DNS over TCP (RFC 7766) on one address: two-byte framing reassembled across reads, pipelined queries
// answered in order, zone transfers streamed with backpressure, an idle timeout, a deadline for finishing
// a message once begun (slow senders), a cap on connections and one per source address (so that one
// client holding idle connections cannot lock the others, secondaries included, out), and backpressure:
// a client that does not read its answers stops being read.
import net from 'node:net';
import type { QueryHandler } from '../answer/handler.ts';
import { KnownPeer } from '../answer/peer.ts';
import type { Route, Router } from './router.ts';
import { sendTransfer } from '../xfr/send.ts';
import type { TransferRequests } from '../xfr/service.ts';

export interface TcpListenerOptions {
  host: string;
  port: number;
  /** Seconds without a complete message before the connection is closed (Knot: 10 s). */
  idleTimeout: number;
  /** Seconds a started message may take to arrive whole. */
  messageTimeout: number;
  maxConnections: number;
  /** Connections one source address may hold at once; 0: no limit of its own. */
  maxConnectionsPerSource?: number;
  /** Told of a connection closed at once because its source holds `maxConnectionsPerSource` already. */
  onRefused?: (peer: string) => void;
  /** SO_REUSEPORT, as for UDP: each answering thread accepts its share of the connections. */
  reusePort?: boolean;
  /** Connections the kernel queues before they are accepted (listen(2)'s backlog; Node's default 511). */
  backlog?: number;
  /** Answers AXFR/IXFR; without it transfer requests get the query handler's NOTIMP. */
  transfers?: TransferRequests;
  /** Chooses each request's handler and transfers, perhaps after a wait; without it, `handler` and `transfers`. */
  router?: Router;
  onError: (err: Error) => void;
  /** Told the number of open connections whenever it changes (an answering thread shares it with main). */
  onConnections?: (count: number) => void;
}

export class TcpListener {
  readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly bySource = new Map<string, number>();

  private constructor(server: net.Server) {
    this.server = server;
  }

  static async open(handler: QueryHandler, options: TcpListenerOptions): Promise<TcpListener> {
    const server = net.createServer({ noDelay: true });
    const listener = new TcpListener(server);
    server.maxConnections = options.maxConnections;
    server.on('connection', (socket) => listener.serve(socket, handler, options));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.host, port: options.port, ipv6Only: options.host.includes(':'), reusePort: options.reusePort === true, backlog: options.backlog }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', options.onError);
    return listener;
  }

  get address(): { address: string; port: number } {
    return this.server.address() as net.AddressInfo;
  }

  get connections(): number {
    return this.sockets.size;
  }

  private serve(socket: net.Socket, handler: QueryHandler, options: TcpListenerOptions): void {
    const peer = socket.remoteAddress ?? '';
    const held = this.bySource.get(peer) ?? 0;
    if (options.maxConnectionsPerSource && held >= options.maxConnectionsPerSource) {
      socket.destroy();
      options.onRefused?.(peer);
      return;
    }
    this.bySource.set(peer, held + 1);
    this.sockets.add(socket);
    options.onConnections?.(this.sockets.size);
    socket.on('close', () => {
      this.sockets.delete(socket);
      const left = this.bySource.get(peer)! - 1;
      if (left === 0) this.bySource.delete(peer);
      else this.bySource.set(peer, left);
      options.onConnections?.(this.sockets.size);
    });
    socket.on('error', () => socket.destroy()); // resets and the like: nothing to tell the client
    // Idle means nothing read or written, so a reader that stalls a transfer is cut off by this too.
    socket.setTimeout(options.idleTimeout * 1000, () => socket.destroy());
    const source = new KnownPeer();
    source.current = peer;
    const direct: Route = { handler, transfers: options.transfers };
    let pending: Buffer | null = null;
    let partialSince = 0;
    // A transfer streaming, or a request waiting for its route: RFC 7766 §6.2.1.1 lets nothing interleave
    // with a transfer's messages, and answers stay in order, so reading stops until it ends.
    let busy = false;
    const hold = (): void => {
      busy = true;
      socket.pause();
    };
    const release = (): void => {
      busy = false;
      if (socket.destroyed) return;
      socket.resume();
      consume();
    };

    /** Answers `msg` along `route`; true when that goes on asynchronously (a transfer), holding the connection. */
    const answer = (msg: Buffer, route: Route): boolean => {
      const transfer = route.transfers?.request(msg, peer) ?? null;
      if (transfer !== null) {
        hold();
        void sendTransfer(socket, transfer, route.transfers!, peer, options.idleTimeout * 1000).catch((err: Error) => {
          options.onError(err);
          socket.destroy();
        }).finally(release);
        return true;
      }
      let out: Buffer | null;
      try {
        out = route.handler.handle(msg, true, source);
      } catch (err) {
        options.onError(err as Error);
        socket.destroy();
        return true;
      }
      // RFC 7766 §8: write the length and the message in one call.
      if (out !== null && !socket.write(out)) {
        socket.pause();
        socket.once('drain', () => { if (!busy) socket.resume(); });
      }
      return false;
    };

    const consume = (): void => {
      const data = pending;
      if (data === null) return;
      pending = null;
      let p = 0;
      while (!busy && !socket.destroyed && data.length - p >= 2) {
        const len = data.readUInt16BE(p);
        if (len === 0) return void socket.destroy(); // no DNS message is empty; the stream is garbage
        if (data.length - p - 2 < len) break;
        const msg = data.subarray(p + 2, p + 2 + len);
        p += 2 + len;
        const routed = options.router === undefined ? direct : options.router(msg, peer, true);
        if (routed === null) continue;
        if (routed instanceof Promise) {
          hold();
          // The wait is ours, not the client's silence: the idle timeout resumes with the answer.
          socket.setTimeout(0);
          routed.then((route) => {
            if (socket.destroyed) return;
            socket.setTimeout(options.idleTimeout * 1000);
            if (route === null || !answer(msg, route)) release();
          }, (err: Error) => {
            options.onError(err);
            socket.destroy();
          });
          break;
        }
        if (answer(msg, routed)) break;
      }
      if (p === data.length) {
        partialSince = 0;
        return;
      }
      // Keep only the unfinished tail; copy it so the large read buffer is not retained.
      pending = Buffer.from(data.subarray(p));
      if (busy) return;
      const now = Date.now();
      if (partialSince === 0) partialSince = now;
      else if (now - partialSince > options.messageTimeout * 1000) socket.destroy();
    };

    socket.on('data', (chunk: Buffer) => {
      pending = pending === null ? chunk : Buffer.concat([pending, chunk]);
      consume();
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/**
 * An onRefused that logs the first refusal, then at most one line a minute with the count since: a client
 * hammering the limit must not flood the log.
 */
export function refusalReporter(warn: (fields: object, msg: string) => void, limit: number): (peer: string) => void {
  let last = 0;
  let since = 0;
  return (peer) => {
    since++;
    const now = Date.now();
    if (now - last < 60_000) return;
    warn({ peer, refused: since, limit }, 'TCP connection refused: its source holds tcp_max_connections_per_source connections');
    last = now;
    since = 0;
  };
}
