// DNS over UDP on one address. Each datagram is answered synchronously on this thread: at the rates one
// Node thread sustains, a hop to a pool thread per query costs more than answering (see native-bench).
// Two implementations: UdpBatchListener (udp-batch.ts: recvmmsg/sendmmsg through a small addon, one JS
// call per batch) when the addon is built, and UdpListener below (Node's dgram, a syscall per datagram).
import dgram from 'node:dgram';
import type { QueryHandler } from '../answer/handler.ts';
import { KnownPeer } from '../answer/peer.ts';
import type { RequestHandler, Router } from './router.ts';
import { UdpBatchListener, udpBatchUnavailable } from './udp-batch.ts';

/** `auto`: batched when the addon loads, else dgram. The others force one (to compare them). */
export type UdpIo = 'auto' | 'batched' | 'dgram';
export const UDP_IO_MODES: readonly UdpIo[] = ['auto', 'batched', 'dgram'];

export interface UdpListenerOptions {
  host: string;
  port: number;
  /** SO_RCVBUF: bursts beyond the default ~200 KiB are dropped by the kernel before we see them. */
  receiveBufferSize: number;
  /** SO_REUSEPORT: the answering threads each bind the same address, and the kernel spreads the datagrams. */
  reusePort?: boolean;
  /** Chooses each request's handler, perhaps after a wait (dgram only: the batched addon answers within its batch). */
  router?: Router;
  onError: (err: Error) => void;
}

/**
 * We only ever send to the address a datagram came from, which is already an IP literal. The default
 * lookup (dns.lookup) still defers every send by a process.nextTick; answering at once saves that hop on
 * every response (measured in native-bench: see the note on the engine-core issue).
 */
function peerAddress(address: string, _family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

/** Opens the listener `io` asks for; `batched` fails when the addon is not available. */
export function openUdpListener(handler: QueryHandler, options: UdpListenerOptions, io: UdpIo): Promise<UdpListener | UdpBatchListener> {
  if (io === 'dgram' || (io === 'auto' && (udpBatchUnavailable !== null || options.router !== undefined))) return UdpListener.open(handler, options);
  if (options.router !== undefined) return Promise.reject(new Error('batched UDP answers within its batch: a router needs dgram'));
  return UdpBatchListener.open(handler, options);
}

export class UdpListener {
  readonly io = 'dgram';
  readonly socket: dgram.Socket;

  private constructor(socket: dgram.Socket) {
    this.socket = socket;
  }

  static async open(handler: QueryHandler, options: UdpListenerOptions): Promise<UdpListener> {
    const socket = dgram.createSocket({
      type: options.host.includes(':') ? 'udp6' : 'udp4',
      ipv6Only: options.host.includes(':'),
      reusePort: options.reusePort === true,
      lookup: peerAddress,
    });
    const source = new KnownPeer();
    const answer = (h: RequestHandler, msg: Buffer, port: number, address: string, from: KnownPeer) => {
      let out: Buffer | null;
      try {
        out = h.handle(msg, false, from);
      } catch (err) {
        options.onError(err as Error);
        return;
      }
      if (out !== null) socket.send(out, port, address);
    };
    const { router } = options;
    socket.on('message', (msg, peer) => {
      if (router === undefined) {
        source.current = peer.address;
        return answer(handler, msg, peer.port, peer.address, source);
      }
      const routed = router(msg, peer.address, false);
      if (routed === null) return;
      if (!(routed instanceof Promise)) {
        source.current = peer.address;
        return answer(routed.handler, msg, peer.port, peer.address, source);
      }
      // The request waits for its route while others are answered: it needs a peer of its own.
      routed.then((route) => {
        if (route === null || closed) return;
        const from = new KnownPeer();
        from.current = peer.address;
        answer(route.handler, msg, peer.port, peer.address, from);
      }).catch(options.onError);
    });
    let closed = false;
    socket.once('close', () => { closed = true; });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port, options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', options.onError);
    try {
      socket.setRecvBufferSize(options.receiveBufferSize);
    } catch (err) {
      options.onError(err as Error);
    }
    return new UdpListener(socket);
  }

  get address(): { address: string; port: number } {
    return this.socket.address();
  }

  /** The kernel may cap SO_RCVBUF (net.core.rmem_max); the effective size is worth logging. */
  get receiveBufferSize(): number {
    return this.socket.getRecvBufferSize();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
