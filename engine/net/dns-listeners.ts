// UDP and TCP on one address, as a DNS server listens: the main thread when it answers, and each answering
// thread. With port 0 the OS picks a free UDP port, and TCP must take the same number, which a TCP socket
// may already hold: then both are tried again with another port.
import type { QueryHandler } from '../answer/handler.ts';
import { TcpListener, type TcpListenerOptions } from './tcp-listener.ts';
import type { UdpBatchListener } from './udp-batch.ts';
import { openUdpListener, type UdpIo, type UdpListener, type UdpListenerOptions } from './udp-listener.ts';

/** Attempts at a port both UDP and TCP can take, when the OS picks it. */
const PORT_ATTEMPTS = 10;

export async function openDnsListeners(
  handler: QueryHandler, host: string, port: number, io: UdpIo,
  udpOptions: Omit<UdpListenerOptions, 'host' | 'port'>, tcpOptions: Omit<TcpListenerOptions, 'host' | 'port'>,
): Promise<{ udp: UdpListener | UdpBatchListener; tcp: TcpListener }> {
  for (let attempt = 1; ; attempt++) {
    const udp = await openUdpListener(handler, { ...udpOptions, host, port }, io);
    try {
      return { udp, tcp: await TcpListener.open(handler, { ...tcpOptions, host, port: udp.address.port }) };
    } catch (err) {
      await udp.close();
      if (port === 0 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < PORT_ATTEMPTS) continue;
      throw err;
    }
  }
}
