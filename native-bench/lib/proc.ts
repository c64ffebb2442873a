// Server process lifecycle and /proc accounting. Servers are pinned with
// taskset: on a 2-core box the server gets core 0 and the load generator core
// 1, so neither steals cycles from the other and "server CPU per query" is
// measured on a core that does nothing else.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';

export const SERVER_CPU = 0;
/** With a single core both share core 0, and the figures mean much less. */
export const CLIENT_CPU = availableParallelism() > 1 ? 1 : 0;
/** Every core: for a server running several threads, which then shares the cores with the client. */
export const ALL_CPUS = `0-${availableParallelism() - 1}`;

/** `taskset -c CPU cmd args...` — taskset execs cmd, so the pid is the server's. */
export function pinned(cpu: number | string, cmd: string, args: string[]): [string, string[]] {
  return ['taskset', ['-c', String(cpu), cmd, ...args]];
}

export interface Server {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Wall-clock ms (performance.now()) at spawn, for time-to-serve. */
  spawnedAt: number;
  /** Last lines of stdout+stderr, shown when the server fails. */
  tail: string[];
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
}

const TAIL_LINES = 40;

export function startServer(
  name: string,
  cmd: string,
  args: string[],
  opts: { cwd?: string; onLine?: (line: string) => void; cpus?: number | string } = {},
): Server {
  const [file, argv] = pinned(opts.cpus ?? SERVER_CPU, cmd, args);
  const spawnedAt = performance.now();
  const child = spawn(file, argv, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      opts.onLine?.(line);
    });
  }
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { name, child, pid: child.pid, spawnedAt, tail, exited };
}

/** SIGTERM, then SIGKILL if the server has not exited within `graceMs`. */
export async function stopServer(server: Server, graceMs = 10_000): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    console.warn(`${server.name}: no exit ${graceMs} ms after SIGTERM, killing`);
    server.child.kill('SIGKILL');
  }, graceMs);
  await server.exited;
  clearTimeout(timer);
}

/** Describes a server that died early, with its last output lines. */
export function deathMessage(server: Server, status: number | string): string {
  return `${server.name} exited (${status}) before serving:\n  ${server.tail.join('\n  ')}`;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** User+system CPU seconds of all the process's threads so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: split after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime/stime are fields 14/15.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident set size now and at its peak (VmHWM), in bytes. */
export function memory(pid: number): { rss: number; peakRss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
}
