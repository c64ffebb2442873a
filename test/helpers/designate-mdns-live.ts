// Pieces of the live test of `zonecast designate-mdns` inside Debian's Designate
// (test/interop/designate-mdns-live.test.ts): zonecast processes started for real and stopped by their PID,
// the calls to Designate's v2 API the test makes, storms of recordset changes, and DNS answers put in a form
// in which two servers' answers compare.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import dnsPacket from 'dns-packet';
import { createConnection } from 'mysql2/promise';
import { fetchTransfer, type Primary } from '../../engine/xfr/client.ts';
import { ask, type Decoded, type RR } from './client.ts';
import type { RunningDesignate } from './designate.ts';

const CLI = resolve(import.meta.dirname, '../../bin/zonecast.ts');

export interface ZonecastProcess {
  readonly pid: number;
  readonly log: string;
  /** SIGTERM, SIGKILL after 10 s; resolves once it exited. */
  stop(): Promise<void>;
  /** kill -9 at once; resolves once it exited. */
  kill9(): Promise<void>;
}

/**
 * `zonecast ARGS` as a child process logging to `log` (appended to, so that a restart's lines follow the
 * killed one's); resolves once it answers DNS on `port`, rejects with the log's tail if it exits first.
 */
export async function startZonecast(args: string[], log: string, cwd: string, port: number): Promise<ZonecastProcess> {
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', fd, fd], env: { ...process.env, ZONECAST_LOG_LEVEL: 'info' } });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`zonecast ${args[0]}: spawn failed`);
  const pid = child.pid;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const signal = async (s: NodeJS.Signals) => {
    if (gone()) return;
    try {
      process.kill(pid, s);
    } catch {
      return; // exited meanwhile
    }
    const timer = s === 'SIGKILL' ? null : setTimeout(() => !gone() && process.kill(pid, 'SIGKILL'), 10_000);
    await exited;
    if (timer !== null) clearTimeout(timer);
  };
  const proc = { pid, log, stop: () => signal('SIGTERM'), kill9: () => signal('SIGKILL') };
  const deadline = Date.now() + 30_000;
  // Any answer (REFUSED for a name no zone has) says the listeners are open.
  while ((await ask(port, 'ready.invalid.', 'SOA').catch(() => null)) === null) {
    if (gone()) throw new Error(`zonecast ${args[0]} exited (${child.exitCode ?? child.signalCode}) before answering on ${port}:\n${logTail(log)}`);
    if (Date.now() > deadline) {
      await proc.kill9();
      throw new Error(`zonecast ${args[0]} did not answer on ${port} within 30 s:\n${logTail(log)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return proc;
}

function logTail(path: string, lines = 20): string {
  if (!existsSync(path)) return `  (${path}: none)`;
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
}

/** The tails of these logs of the harness (its directory) and of ours, for a failed test's message. */
export function harnessLogs(d: RunningDesignate | null, own: string[]): string {
  const theirs = d === null ? [] : ['central', 'worker', 'named'].map((n) => join(d.dir, `${n}.log`));
  return [...own, ...theirs].map((p) => `  ${p}:\n${logTail(p, 12)}`).join('\n');
}

export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, read field by field
export async function api(d: RunningDesignate, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${d.apiUrl}${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new ApiError(res.status, `${method} ${path}: ${res.status} ${text}`);
  return text === '' ? null : JSON.parse(text);
}

export interface CreatedZone {
  id: string;
  name: string;
  serial: number;
}

export const createZone = (d: RunningDesignate, name: string, extra: Record<string, unknown> = {}): Promise<CreatedZone> =>
  api(d, 'POST', '/v2/zones', { name, email: 'admin@example.org', ttl: 300, ...extra });

/**
 * Waits for the zone to turn ACTIVE and returns how long that took; an ERROR seen on the way fails at once
 * (it would be a target that did not get the serial in the worker's polls).
 */
export async function untilActive(d: RunningDesignate, zone: { id: string; name: string }, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const { status, action } = await api(d, 'GET', `/v2/zones/${zone.id}`);
    if (status === 'ACTIVE') return performance.now() - started;
    if (status === 'ERROR') throw new Error(`${zone.name} went to ERROR (action ${action}) instead of ACTIVE`);
    if (performance.now() - started > timeoutMs) throw new Error(`${zone.name} not ACTIVE within ${timeoutMs} ms (status ${status}, action ${action})`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Creates a zone and waits for it to turn ACTIVE; `ms` is from the POST to ACTIVE seen (polled every 150 ms). */
export async function createUntilActive(d: RunningDesignate, name: string): Promise<{ zone: CreatedZone; ms: number }> {
  const started = performance.now();
  const zone = await createZone(d, name);
  await untilActive(d, zone);
  return { zone, ms: performance.now() - started };
}

/** The zone's row as the SELECT-only user reads it (ids are stored without dashes). */
export async function zoneRow(d: RunningDesignate, id: string): Promise<{ serial: number; status: string } | undefined> {
  const conn = await createConnection({ host: '127.0.0.1', user: d.readOnlyUser.user, password: d.readOnlyUser.password, database: d.database });
  try {
    const [rows] = await conn.query('SELECT serial, status FROM zones WHERE id = ?', [id.replaceAll('-', '')]);
    return (rows as { serial: number; status: string }[])[0];
  } finally {
    await conn.end();
  }
}

/** ask() again while it times out (300 ms each): Python or a busy machine may take longer. */
export async function question(port: number, name: string, type: string): Promise<Decoded> {
  for (let tries = 0; tries < 20; tries++) {
    const reply = await ask(port, name, type);
    if (reply !== null) return reply;
  }
  throw new Error(`no answer from port ${port} to ${name} ${type}`);
}

export const soaSerialOf = (m: Decoded): number | undefined => m.answers.find((a) => a.type === 'SOA')?.data.serial;

/** rdata in a form that compares: Buffers as text, object keys sorted. */
function plain(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** One RR per line, `name ttl type rdata`, sorted: two servers' RRsets or transfers compare as these lists. */
export const rrLines = (rrs: readonly RR[]): string[] => rrs.map((rr) => `${rr.name} ${rr.ttl} ${rr.type} ${JSON.stringify(plain(rr.data))}`).sort();

/** Every answer RR of an AXFR (or, from `serial`, an IXFR), in the order sent. */
export async function transfer(primary: Primary, zone: string, serial: number | null = null): Promise<RR[]> {
  const fetched = await fetchTransfer(primary, zone, serial, 15_000);
  return fetched.messages.flatMap((m) => dnsPacket.decode(Buffer.from(m)).answers as RR[]);
}

export interface StormSet {
  zone: CreatedZone;
  name: string;
  id?: string;
  /** The records of the last change the API acknowledged. */
  last: string[];
}

export interface StormOptions {
  rounds: number;
  concurrency: number;
  /** Called as change number `index` (0-based, in the order sent) is about to be sent; may hold it back. */
  before?: (index: number) => Promise<void> | void;
}

/**
 * Recordset changes through the API: each set is created (round 0) and then replaced once per round, the
 * changes of one set in order, `concurrency` sets at a time. Returns when the API acknowledged the last,
 * with the time of each acknowledgement by change number.
 */
export async function storm(d: RunningDesignate, sets: StormSet[], options: StormOptions): Promise<Map<number, number>> {
  const acked = new Map<number, number>();
  let next = 0;
  const runner = async (w: number) => {
    for (let round = 0; round < options.rounds; round++) {
      for (let s = w; s < sets.length; s += options.concurrency) {
        const set = sets[s];
        const index = next++;
        await options.before?.(index);
        // One address per round, two on odd rounds: each change alters the RRset's size too.
        const records = [`10.${s >> 8}.${s & 255}.${round}`, ...(round % 2 === 1 ? [`10.${s >> 8}.${s & 255}.${100 + round}`] : [])];
        if (round === 0) {
          set.id = (await api(d, 'POST', `/v2/zones/${set.zone.id}/recordsets`, { name: set.name, type: 'A', ttl: 60, records })).id;
        } else {
          await api(d, 'PUT', `/v2/zones/${set.zone.id}/recordsets/${set.id}`, { records });
        }
        set.last = records;
        acked.set(index, performance.now());
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, sets.length) }, (_, w) => runner(w)));
  return acked;
}

/**
 * After a storm: every zone ACTIVE, and both `ports` (BIND, zonecast) serve the zone's serial from the
 * database and each set's last records. Returns the slowest time to ACTIVE.
 */
export async function checkStormLanded(d: RunningDesignate, sets: StormSet[], ports: { name: string; port: number }[], timeoutMs = 60_000): Promise<number> {
  const zones = [...new Map(sets.map((s) => [s.zone.id, s.zone])).values()];
  const waits = await Promise.all(zones.map((z) => untilActive(d, z, timeoutMs)));
  for (const zone of zones) {
    const row = await zoneRow(d, zone.id);
    for (const { name, port } of ports) {
      const serial = soaSerialOf(await question(port, zone.name, 'SOA'));
      if (serial !== row?.serial) throw new Error(`${name} serves ${zone.name} at serial ${serial}, the database has ${row?.serial}`);
    }
  }
  for (const set of sets) {
    for (const { name, port } of ports) {
      const got = (await question(port, set.name, 'A')).answers.filter((a) => a.type === 'A').map((a) => a.data as string).sort();
      if (JSON.stringify(got) !== JSON.stringify([...set.last].sort())) throw new Error(`${name} serves ${set.name} A ${got.join(',')}, the last change set ${set.last.join(',')}`);
    }
  }
  return Math.max(...waits);
}
