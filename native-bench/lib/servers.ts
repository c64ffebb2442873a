// The two servers under comparison, behind one start function.
import { freePort, waitUntilServing } from './dns-probe.ts';
import { startKnot, type KnotServer } from './knot.ts';
import { stopServer } from './proc.ts';
import { fmt } from './report.ts';
import { ORIGIN } from './zone-gen.ts';
import { startZonecast, type ZonecastServer } from './zonecast.ts';
import type { Dataset } from './dataset.ts';

export type ServerName = 'knot' | 'zonecast';
export const SERVER_NAMES: readonly ServerName[] = ['knot', 'zonecast'];

export type BenchServer = KnotServer | ZonecastServer;

/** `threads`: Knot's udp-workers or zonecast's answering threads; above 1 the server may use every core. */
export function startBenchServer(name: ServerName, ds: Dataset, port: number, threads = 1): BenchServer {
  return name === 'knot' ? startKnot([{ name: ORIGIN, file: ds.zoneFile }], port, undefined, threads) : startZonecast(ds.zoneDir, port, threads);
}

/**
 * Starts `name` on a free port serving the dataset, waits until it answers, hands it to `measure`, and
 * stops it whatever happens.
 */
export async function withServer(
  name: ServerName, ds: Dataset, measure: (server: BenchServer, port: number, serveMs: number) => Promise<void>, threads = 1,
): Promise<void> {
  const port = await freePort();
  const server = startBenchServer(name, ds, port, threads);
  try {
    const serveMs = await waitUntilServing(server, port, ORIGIN, 600_000);
    console.log(`${name}: serving ${fmt(ds.records)} records after ${fmt(serveMs)} ms`);
    await measure(server, port, serveMs);
  } finally {
    await stopServer(server);
  }
}

/** Parses `--only knot|zonecast` into the list of servers to run. */
export function selectServers(only: string | undefined): ServerName[] {
  if (only === undefined) return [...SERVER_NAMES];
  if (!SERVER_NAMES.includes(only as ServerName)) throw new Error(`--only must be one of ${SERVER_NAMES.join(', ')}`);
  return [only as ServerName];
}

/** In-memory zone size the server itself logs once loaded (its own accounting). */
export function reportedZoneBytes(server: BenchServer): number | undefined {
  return 'loaded' in server ? server.loaded.at(-1)?.snapshotBytes : server.zoneBytes;
}
