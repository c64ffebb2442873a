// zonecast's mdns server under test, started exactly as in production (same
// Node binary as this harness), with its "zone loaded" log lines collected.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './dataset.ts';
import { ALL_CPUS, SERVER_CPU, startServer, type Server } from './proc.ts';

const REPO = join(BENCH_DIR, '..');
const ENTRY = join(REPO, 'bin', 'zonecast.ts');
/** Extra command-line options for the server under test, e.g. ZONECAST_BENCH_ARGS='--udp-io dgram'. */
const EXTRA_ARGS = (process.env.ZONECAST_BENCH_ARGS ?? '').split(/\s+/).filter(Boolean);

/** Fields of zonecast's pino line {"msg":"zone loaded", ...}. */
export interface ZoneLoaded {
  zone: string;
  serial: number;
  records: number;
  compileMs: number;
  snapshotBytes: number;
}

export interface ZonecastServer extends Server {
  loaded: ZoneLoaded[];
}

/** `workers` answering threads ([service:mdns] workers); 1, the comparison with one Knot worker, by default. */
export function startZonecast(zoneDir: string, port: number, workers = 1): ZonecastServer {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} does not exist yet: run with --only knot`);
  const loaded: ZoneLoaded[] = [];
  const server = startServer(
    'zonecast',
    process.execPath,
    [ENTRY, 'mdns', '--zones', zoneDir, '--listen', `127.0.0.1:${port}`, '--allow-transfer', '127.0.0.1', '--workers', String(workers), ...EXTRA_ARGS],
    {
      cwd: REPO,
      cpus: workers > 1 ? ALL_CPUS : SERVER_CPU,
      onLine: (line) => {
        // Cheap pre-filter: only JSON lines that can be the one we want.
        if (!line.includes('zone loaded')) return;
        try {
          const entry = JSON.parse(line) as ZoneLoaded & { msg?: string };
          if (entry.msg === 'zone loaded') loaded.push(entry);
        } catch {
          // not a JSON line
        }
      },
    },
  );
  return Object.assign(server, { loaded });
}
