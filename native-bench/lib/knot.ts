// Knot DNS as the reference server, configured to be comparable with one Node
// thread: one UDP, one TCP and one background worker, all on the pinned core.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './packages.ts';
import { ALL_CPUS, SERVER_CPU, startServer, type Server } from './proc.ts';
import { WORK_DIR } from './dataset.ts';

export interface KnotServer extends Server {
  /** Zone size Knot reports once loaded ("[zone] loaded, ..., N bytes"). */
  zoneBytes?: number;
}

/**
 * The server, database and log sections every knotd we start shares: one worker of each kind (or
 * `udpWorkers` UDP workers, to compare with as many answering threads), state in `dir`.
 */
export function knotBaseConfig(dir: string, port: number, udpWorkers = 1): string {
  return `server:
    rundir: "${dir}"
    listen: 127.0.0.1@${port}
    udp-workers: ${udpWorkers}
    tcp-workers: 1
    background-workers: 1

database:
    storage: "${dir}"

log:
  - target: stderr
    any: info
`;
}

export interface KnotZone {
  name: string;
  file: string;
}

/**
 * Starts knotd serving `zones` on 127.0.0.1:port. Its state (timers, journal,
 * control socket) lives in a fresh `dir` every start, so no earlier run leaks
 * into this one. Tests use it too, to compare answers with zonecast's.
 */
export function startKnot(zones: KnotZone[], port: number, dir = join(WORK_DIR, 'knot'), udpWorkers = 1): KnotServer {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'knot.conf');
  writeFileSync(
    config,
    `${knotBaseConfig(dir, port, udpWorkers)}
acl:
  - id: local-transfer
    address: 127.0.0.0/8
    action: transfer

template:
  - id: default
    storage: "${dir}"
    acl: local-transfer
    # Serve the file as is: no journal, no writing the zone back, no checks
    # beyond the mandatory ones (zonecast does none of these either).
    zonefile-load: whole
    zonefile-sync: -1
    journal-content: none
    semantic-checks: off

zone:
${zones.map((z) => `  - domain: ${z.name}\n    file: "${z.file}"\n`).join('')}`,
  );
  const loadedLine = new RegExp(`\\[${zones[0].name.replaceAll('.', '\\.')}\\] loaded, .* (\\d+) bytes`);
  const server: KnotServer = startServer('knot', requireBinary('knotd'), ['-c', config], {
    cpus: udpWorkers > 1 ? ALL_CPUS : SERVER_CPU,
    onLine: (line) => {
      const m = loadedLine.exec(line);
      if (m) server.zoneBytes = Number(m[1]);
    },
  });
  return server;
}
