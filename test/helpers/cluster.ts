// A cluster of real zonecast processes (`zonecast central|api|mdns|worker|producer`) on a scratch MariaDB database and a
// RabbitMQ virtual host of this run's own, so parallel runs never meet. Every process is started with the
// real command line, found by its PID, and killed by it (SIGKILL for the fault tests, SIGTERM otherwise);
// close() removes the processes, the database, the vhost and the working directory.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createScratchDatabase, type ScratchDatabase } from './mariadb.ts';

const CLI = resolve(import.meta.dirname, '../../bin/zonecast.ts');

/** One service per process, or `start`: all of them in one process that joins the cluster. */
export type ServiceName = 'central' | 'api' | 'mdns' | 'worker' | 'producer' | 'sink' | 'start';

export interface ServiceInstance {
  service: ServiceName;
  pid: number;
  /** The API port (api, start) or the DNS port (mdns) it bound; 0 for central. */
  port: number;
  /** The DNS port of `start`. */
  dnsPort: number;
  /** Every log line so far, parsed. */
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
  /** When the process was seen to exit (Date.now()), once it has. */
  exitedAt: number | null;
}

export interface Cluster {
  vhost: string;
  db: ScratchDatabase;
  transportUrl: string;
  start(service: ServiceName, env?: Record<string, string>): Promise<ServiceInstance>;
  kill9(instance: ServiceInstance): Promise<void>;
  stop(instance: ServiceInstance): Promise<void>;
  close(): Promise<void>;
}

function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', ['-q', ...args], { stdio: 'ignore', timeout: 60_000 });
}

/** Null when rabbitmqctl can reach the broker, else why not. */
export function rabbitmqUnavailable(): string | null {
  try {
    execFileSync('rabbitmqctl', ['-q', 'list_vhosts'], { stdio: 'ignore', timeout: 60_000 });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Closes every client connection of the vhost, as a broker restart or a network cut would. */
export function closeBrokerConnections(vhost: string): void {
  rabbitmqctl('close_all_connections', '-p', vhost, 'zonecast test: connection closed');
}

export async function startCluster(env: Record<string, string> = {}): Promise<Cluster> {
  const vhost = `zonecast-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  rabbitmqctl('add_vhost', vhost);
  rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
  const db = await createScratchDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-cluster-'));
  const transportUrl = `rabbit://guest:guest@127.0.0.1:5672/${vhost}`;
  const instances = new Set<{ child: ChildProcess; instance: ServiceInstance }>();
  const baseEnv = {
    ...process.env,
    ZONECAST_DEFAULT_TRANSPORT_URL: transportUrl,
    ZONECAST_STORAGE_CONNECTION: db.url,
    ZONECAST_SERVICE_API_LISTEN: '127.0.0.1:0',
    ZONECAST_SERVICE_MDNS_LISTEN: '127.0.0.1:0',
    ZONECAST_SERVICE_MDNS_COMPILE_THREADS: '1',
    ZONECAST_HEARTBEAT_EMITTER_HEARTBEAT_INTERVAL: '1',
    ZONECAST_SERVICE_MDNS_SYNC_INTERVAL: '1',
    ZONECAST_DEFAULT_RPC_RESPONSE_TIMEOUT: '5',
    ZONECAST_LOG_LEVEL: 'info',
    ...env,
  };

  const start = (service: ServiceName, extra: Record<string, string> = {}): Promise<ServiceInstance> => {
    const child = spawn(process.execPath, [CLI, service], { cwd: dir, env: { ...baseEnv, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Record<string, unknown>[] = [];
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const instance: ServiceInstance = { service, pid: child.pid!, port: 0, dnsPort: 0, lines, exited, exitedAt: null };
    void exited.then(() => (instance.exitedAt = Date.now()));
    const entry = { child, instance };
    instances.add(entry);
    void exited.then(() => instances.delete(entry));
    return new Promise((resolveStart, reject) => {
      const timer = setTimeout(() => reject(new Error(`${service} did not start within 30 s: ${stderr}`)), 30_000);
      void exited.then((code) => reject(new Error(`${service} exited (${code}) while starting: ${stderr}`)));
      createInterface({ input: child.stdout! }).on('line', (text) => {
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          return;
        }
        lines.push(line);
        if (process.env.ZONECAST_TEST_LOG) process.stdout.write(`[${service} ${child.pid}] ${text}\n`);
        if (line.msg !== `${service} running`) return;
        const listen = line.listen as (number | string)[] | undefined;
        const first = listen?.[0];
        instance.port = typeof first === 'number' ? first : typeof first === 'string' ? Number(first.split(':').at(-1)) : 0;
        const dns = (line.dns as string[] | undefined)?.[0];
        if (dns !== undefined) instance.dnsPort = Number(dns.split(':').at(-1));
        clearTimeout(timer);
        resolveStart(instance);
      });
    });
  };

  const kill = async (instance: ServiceInstance, signal: NodeJS.Signals) => {
    try {
      process.kill(instance.pid, signal);
    } catch {
      return; // gone already
    }
    await instance.exited;
  };

  return {
    vhost,
    db,
    transportUrl,
    start,
    kill9: (instance) => kill(instance, 'SIGKILL'),
    stop: (instance) => kill(instance, 'SIGTERM'),
    async close() {
      await Promise.all([...instances].map((e) => kill(e.instance, 'SIGKILL')));
      await db.drop();
      rabbitmqctl('delete_vhost', vhost);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
