// A TCP proxy a test can stall or cut: while stalled, bytes are held in both directions (a database that
// stops answering, a network that drops everything), and resume() delivers them; new connections are
// accepted and held the same way. While cut, every connection is closed at once (a database that is down).
// Throttled, what the server sends reaches the client at a set rate (a slow link, a read that takes a while).
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export class TcpProxy {
  readonly port: number;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #held: (() => void)[] = [];
  #stalled = false;
  #cut = false;
  #rate: number | null = null;

  private constructor(server: Server) {
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = createServer((client) => proxy!.#pipe(client, createConnection(targetPort, targetHost)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    proxy = new TcpProxy(server);
    return proxy;
  }

  stall(): void {
    this.#stalled = true;
  }

  cut(): void {
    this.#cut = true;
    for (const s of this.#sockets) s.destroy();
  }

  /** Bytes from the server reach each client at `bytesPerSecond` at most; null lifts the limit. */
  throttle(bytesPerSecond: number | null): void {
    this.#rate = bytesPerSecond;
  }

  resume(): void {
    this.#cut = false;
    this.#stalled = false;
    for (const deliver of this.#held.splice(0)) deliver();
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  #pipe(client: Socket, upstream: Socket): void {
    if (this.#cut) {
      client.destroy();
      upstream.destroy();
      return;
    }
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
      s.on('error', () => {});
    }
    this.#forward(client, upstream, false);
    this.#forward(upstream, client, true);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  /**
   * Bytes from `from` written to `to`, held while stalled, and let out through a queue every 10 ms while
   * throttled (when `throttled`: the server-to-client direction).
   */
  #forward(from: Socket, to: Socket, throttled: boolean): void {
    const rate = () => (throttled ? this.#rate : null);
    const queue: Buffer[] = [];
    let timer: NodeJS.Timeout | null = null;
    const pump = () => {
      timer = null;
      const limit = rate();
      let budget = limit === null ? Infinity : Math.max(1, Math.floor(limit / 100));
      while (queue.length > 0 && budget > 0) {
        const head = queue[0];
        const part = head.length <= budget ? queue.shift()! : head.subarray(0, budget);
        if (part !== head) queue[0] = head.subarray(budget);
        budget -= part.length;
        to.write(part);
      }
      if (queue.length > 0) timer = setTimeout(pump, 10);
    };
    from.on('data', (data: Buffer) => {
      const send = () => {
        if (rate() === null && queue.length === 0) return void to.write(data);
        queue.push(data);
        timer ??= setTimeout(pump, 10);
      };
      if (this.#stalled) this.#held.push(send);
      else send();
    });
    to.on('close', () => {
      if (timer !== null) clearTimeout(timer);
    });
  }
}
