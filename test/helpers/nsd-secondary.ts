// NSD as a secondary of zonecast (foreground, verbose log on stderr): pulls zones by AXFR, then IXFR on
// NOTIFY, optionally with a TSIG key for both transfers and NOTIFY.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type Server } from '../../native-bench/lib/proc.ts';

export interface NsdSecondary extends Server {
  dir: string;
  lines: string[];
}

/** The server section every nsd the tests start shares: loopback on `port`, all state in `dir`, no user switch. */
export function nsdServerSection(dir: string, port: number): string {
  return `server:
  ip-address: 127.0.0.1@${port}
  zonesdir: "${dir}"
  database: ""
  pidfile: "${dir}/nsd.pid"
  xfrdfile: "${dir}/xfrd.state"
  zonelistfile: "${dir}/zone.list"
  username: ""
  chroot: ""
  # A transfer is served at once after a reload (NSD otherwise waits up to a second).
  xfrd-reload-timeout: 0
`;
}

export function startNsdSecondary(
  nsd: string, dir: string, port: number, primaryPort: number, zones: string[], tsig?: { name: string; algorithm: string; secret: string },
): NsdSecondary {
  mkdirSync(dir, { recursive: true });
  const key = tsig ? `key:\n  name: "${tsig.name}"\n  algorithm: ${tsig.algorithm}\n  secret: "${tsig.secret}"\n` : '';
  const keyRef = tsig ? tsig.name : 'NOKEY';
  // verbosity 2: every transfer is logged, with its serial, size and TSIG key.
  writeFileSync(join(dir, 'nsd.conf'), `${nsdServerSection(dir, port)}  verbosity: 2
remote-control:
  control-enable: no
${key}${zones.map((z) => `zone:
  name: "${z}"
  zonefile: "${z}zone"
  request-xfr: 127.0.0.1@${primaryPort} ${keyRef}
  allow-notify: 127.0.0.1 ${keyRef}
`).join('')}`);
  const lines: string[] = [];
  // -d: foreground, logging to stderr.
  const server = startServer('nsd secondary', nsd, ['-d', '-c', join(dir, 'nsd.conf')], { onLine: (line) => lines.push(line) });
  return Object.assign(server, { dir, lines });
}
