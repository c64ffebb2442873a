// A TCP proxy a test can stall or cut: while stalled, bytes are held in both directions (a database that
// stops answering, a network that drops everything), and resume() delivers them; new connections are
// accepted and held the same way. While cut, every connection is closed at once (a database that is down).
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export class TcpProxy {
  readonly port: number;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #held: (() => void)[] = [];
  #stalled = false;
  #cut = false;

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
    const forward = (from: Socket, to: Socket) => from.on('data', (data: Buffer) => {
      if (this.#stalled) this.#held.push(() => to.write(data));
      else to.write(data);
    });
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
