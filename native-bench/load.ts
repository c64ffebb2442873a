// bench:load — how long a big zone takes to become servable and how much
// memory it costs, zonecast vs Knot, each server pinned to core 0.
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ensureDataset } from './lib/dataset.ts';
import { ensurePackages } from './lib/packages.ts';
import { memory } from './lib/proc.ts';
import { environment, fmt, mib, table, writeResults } from './lib/report.ts';
import { reportedZoneBytes, selectServers, withServer, type ServerName } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    only: { type: 'string' },
  },
});
const records = Number(values.records);
const servers = selectServers(values.only);

// Both logs are written asynchronously (pino, Knot's log thread): give the
// "loaded" line this long to arrive after the first answer.
const LOG_GRACE_MS = 2_000;
// RSS is read after this settle time, not at the first answer, so transient
// parse buffers that are about to be freed do not count as resident zone.
const SETTLE_MS = 1_000;

interface Row {
  server: ServerName;
  serveMs: number;
  rss: number;
  peakRss: number;
  zoneBytes: number | undefined;
  compileMs: number | undefined;
}

ensurePackages(['knot']);
const ds = ensureDataset(records);
const fileBytes = statSync(ds.zoneFile).size;
const env = { ...environment(), records };
const rows: Row[] = [];

for (const name of servers) {
  await withServer(name, ds, async (server, _port, serveMs) => {
    for (const t0 = performance.now(); reportedZoneBytes(server) === undefined; await sleep(50)) {
      if (performance.now() - t0 > LOG_GRACE_MS) break;
    }
    await sleep(SETTLE_MS);
    rows.push({
      server: name,
      serveMs,
      ...memory(server.pid),
      zoneBytes: reportedZoneBytes(server),
      compileMs: 'loaded' in server ? server.loaded.at(-1)?.compileMs : undefined,
    });
  });
}

const perRecord = (bytes: number | undefined) => (bytes === undefined ? '-' : fmt(bytes / records, 1));
const text =
  `${fmt(records)} records, zone file ${mib(fileBytes)} MiB (${perRecord(fileBytes)} B/record), server on core 0\n\n` +
  table(
    ['server', 'serve s', 'RSS MiB', 'peak MiB', 'RSS B/rec', 'zone B/rec', 'compile ms'],
    rows.map((r) => [
      r.server,
      fmt(r.serveMs / 1000, 2),
      mib(r.rss),
      mib(r.peakRss),
      perRecord(r.rss),
      perRecord(r.zoneBytes),
      r.compileMs === undefined ? '-' : fmt(r.compileMs),
    ]),
  );
console.log(`\n${text}`);
console.log(`\nwritten: ${writeResults('load', env, { fileBytes, rows }, text).join(', ')}`);
