// [service:mdns] workers above 1, as Designate starts its mdns processes: this process answers and starts
// workers - 1 more of the same command, each with sockets of its own on the same addresses (SO_REUSEPORT:
// the kernel spreads questions and connections over them), its own database connections and compiled zones.
// Only this one sends heartbeats. A worker that dies is logged and started again (after a second when it
// died within a second of starting); a worker whose parent is gone (its IPC channel closed, even by
// SIGKILL) stops, so no orphan keeps answering.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log.ts';

/** Set in a worker's environment to its number: it answers, and leaves heartbeats to its parent. */
export const WORKER_ENV = 'ZONECAST_DESIGNATE_MDNS_WORKER';

const YOUNG_MS = 1000;

export interface Workers {
  /** The running workers' process ids. */
  readonly pids: number[];
  /** SIGTERM to each, waiting until all have exited. */
  close(): Promise<void>;
}

export function startWorkers(count: number, log: Logger): Workers {
  const children = new Map<number, ChildProcess>();
  let closing = false;
  const launch = (n: number) => {
    const started = Date.now();
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      env: { ...process.env, [WORKER_ENV]: String(n) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.set(n, child);
    child.once('exit', (code, signal) => {
      if (closing) return;
      const young = Date.now() - started < YOUNG_MS;
      log.error({ worker: n, pid: child.pid, code, signal }, `mdns worker exited: starting another in its place${young ? ' in a second' : ''}`);
      setTimeout(() => { if (!closing) launch(n); }, young ? YOUNG_MS : 0).unref();
    });
  };
  for (let n = 1; n <= count; n++) launch(n);
  log.info({ workers: count + 1 }, 'mdns workers started');
  return {
    get pids() {
      return [...children.values()].flatMap((c) => (c.pid === undefined || c.exitCode !== null ? [] : [c.pid]));
    },
    async close() {
      closing = true;
      await Promise.all([...children.values()].map((child) => new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      })));
    },
  };
}

/** In a worker: stop as soon as the parent is gone (or at once, if it already is). */
export function followParent(stop: () => void): void {
  if (process.connected) process.once('disconnect', stop);
  else stop();
}
