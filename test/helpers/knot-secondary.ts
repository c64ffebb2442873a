// knotd as a secondary of zonecast: pulls zones by AXFR, then IXFR, and logs each transfer on stderr.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { knotBaseConfig } from '../../native-bench/lib/knot.ts';
import { startServer, type Server } from '../../native-bench/lib/proc.ts';

export interface KnotSecondary extends Server {
  dir: string;
  lines: string[];
}

export function startKnotSecondary(
  knotd: string, dir: string, port: number, primaryPort: number, zones: string[], tsig?: { name: string; algorithm: string; secret: string },
): KnotSecondary {
  mkdirSync(dir, { recursive: true });
  const key = tsig ? `key:\n  - id: ${tsig.name}\n    algorithm: ${tsig.algorithm}\n    secret: ${tsig.secret}\n\n` : '';
  const keyRef = tsig ? `\n    key: ${tsig.name}` : '';
  writeFileSync(join(dir, 'knot.conf'), `${knotBaseConfig(dir, port)}
${key}remote:
  - id: primary
    address: 127.0.0.1@${primaryPort}${keyRef}

acl:
  - id: notify-from-primary
    address: 127.0.0.1
    action: notify${keyRef}

template:
  - id: default
    storage: "${dir}"
    master: primary
    acl: notify-from-primary
    zonefile-sync: -1
    journal-content: changes
    semantic-checks: off

zone:
${zones.map((z) => `  - domain: ${z}\n`).join('')}`);
  const lines: string[] = [];
  const server = startServer('knot secondary', knotd, ['-c', join(dir, 'knot.conf')], { onLine: (line) => lines.push(line) });
  return Object.assign(server, { dir, lines });
}
