// A private memcached for the coordination and fleet-cache suites, on a port of its own, stopped by its PID
// afterwards (or killed -9, and started again on the same port).
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { startServer, stopServer, type Server } from '../../native-bench/lib/proc.ts';
import { tool } from './tools.ts';
import { until } from './until.ts';
import net from 'node:net';

export interface Memcached {
  port: number;
  stop(): Promise<void>;
  /** kill -9, as a crash. */
  kill(): Promise<void>;
}

export interface MemcachedOptions {
  /** Default: a free one. */
  port?: number;
  /** Memory limit (-m), default 16 MiB. */
  megabytes?: number;
}

/** Null when memcached is not installed (outside CI; under CI=true tool() fails the run instead). */
export async function startMemcached(options: MemcachedOptions = {}): Promise<Memcached | null> {
  const memcached = tool('memcached', 'memcached');
  if (memcached === null) return null;
  const port = options.port ?? await freePort();
  // -U 0: no UDP; -u root: memcached refuses to run as root without naming the user.
  const server: Server = startServer('memcached', memcached, ['-p', String(port), '-l', '127.0.0.1', '-U', '0', '-u', 'root', '-m', String(options.megabytes ?? 16)]);
  await until('memcached answering', () => new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  }));
  return {
    port,
    stop: () => stopServer(server),
    async kill() {
      server.child.kill('SIGKILL');
      await server.exited;
    },
  };
}
