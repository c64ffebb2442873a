// Knot and BIND as catalog consumers (RFC 9432) of zonecast: each is a secondary of the catalog zone only,
// and adds (and drops) a secondary zone, pulled from zonecast, for every member the catalog lists.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { knotBaseConfig } from '../../native-bench/lib/knot.ts';
import { bindBaseOptions } from './bind-secondary.ts';
import { startServer, type Server } from '../../native-bench/lib/proc.ts';

export interface CatalogConsumer extends Server {
  lines: string[];
}

/** knotd (3.2+): the catalog with `catalog-role: interpret`; members get the `member` template. */
export function startKnotConsumer(knotd: string, dir: string, port: number, primaryPort: number, catalog: string): CatalogConsumer {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'knot.conf'), `${knotBaseConfig(dir, port)}
remote:
  - id: primary
    address: 127.0.0.1@${primaryPort}

acl:
  - id: notify-from-primary
    address: 127.0.0.1
    action: notify

template:
  - id: default
    storage: "${dir}"
    master: primary
    acl: notify-from-primary
    zonefile-sync: -1
    semantic-checks: off
  - id: member
    storage: "${dir}"
    master: primary
    acl: notify-from-primary
    zonefile-sync: -1
    semantic-checks: off

zone:
  - domain: ${catalog}
    catalog-role: interpret
    catalog-template: member
`);
  const lines: string[] = [];
  const server = startServer('knot catalog consumer', knotd, ['-c', join(dir, 'knot.conf')], { onLine: (line) => lines.push(line) });
  return Object.assign(server, { lines });
}

/**
 * named (9.18): the catalog as a secondary zone, named in `catalog-zones` so its members become secondaries
 * of `default-primaries`. min-update-interval 1 s instead of 5 s keeps the test short.
 */
export function startBindConsumer(named: string, dir: string, port: number, primaryPort: number, catalog: string): CatalogConsumer {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'named.conf'), `options {
${bindBaseOptions(dir, port)}
  catalog-zones {
    zone "${catalog}" default-primaries port ${primaryPort} { 127.0.0.1; } in-memory yes min-update-interval 1;
  };
};
controls { };
zone "${catalog}" { type secondary; primaries port ${primaryPort} { 127.0.0.1; }; file "catalog.db"; };
`);
  const lines: string[] = [];
  // -g: foreground with logs on stderr; -u root keeps named from switching to a user that cannot write dir.
  const server = startServer('named catalog consumer', named, ['-g', '-u', 'root', '-c', join(dir, 'named.conf')], { onLine: (line) => lines.push(line) });
  return Object.assign(server, { lines });
}
