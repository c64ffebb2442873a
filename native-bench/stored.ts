// bench:stored — a big zone kept in the database (the embedded default's SQLite, and MariaDB): how long its
// import through the v2 API takes, and how long `zonecast start` then takes to serve it after a restart,
// from the zone's local image (read from state_path, checked against the stored serial), from the fleet
// cache (memcached, as a new instance joining a fleet) and with images off
// (keyset pages read from storage, rendered, compiled in the pool), against Knot loading the same zone from
// its file in the same run. Each server is pinned to core 0.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { untilApiAnswers } from './lib/api-client.ts';
import { ensureDataset, BENCH_DIR } from './lib/dataset.ts';
import { freePort, waitUntilServing } from './lib/dns-probe.ts';
import { ensurePackages } from './lib/packages.ts';
import { memory, startServer, stopServer } from './lib/proc.ts';
import { environment, fmt, mib, table, writeResults } from './lib/report.ts';
import { withServer } from './lib/servers.ts';
import { ORIGIN } from './lib/zone-gen.ts';
import { createScratchDatabase, mariadbUnavailable } from '../test/helpers/mariadb.ts';
import { startMemcached } from '../test/helpers/memcached.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    engines: { type: 'string', default: 'sqlite,mysql' },
  },
});
const records = Number(values.records);
const engines = values.engines.split(',').map((e) => e.trim()) as ('sqlite' | 'mysql')[];

interface Row { server: string; importS: number | null; serveS: number; rss: number; peakRss: number; rowsRead?: number }

ensurePackages(['knot']);
const ds = ensureDataset(records);
// Designate's import wants $ORIGIN first; the generated file has absolute names only.
const zoneText = Buffer.concat([Buffer.from(`$ORIGIN ${ORIGIN}\n`), readFileSync(ds.zoneFile)]);
const rows: Row[] = [];
// The fleet cache's memcached, roomy enough for the image (about 86 MB for 1,000,000 records).
const memcached = await startMemcached({ megabytes: 512 });
if (memcached === null) console.warn('memcached not installed: the fleet-cache restart is skipped');

// Twice, keeping the faster: the first load may read the zone file from disk, where zonecast's restarts find
// their image in the page cache.
let knotRow: Row | null = null;
for (let i = 0; i < 2; i++) {
  await withServer('knot', ds, async (server, _port, serveMs) => {
    if (knotRow === null || serveMs / 1000 < knotRow.serveS) knotRow = { server: 'knot (zone file)', importS: null, serveS: serveMs / 1000, ...memory(server.pid) };
  });
}
rows.push(knotRow!);

for (const engine of engines) {
  if (engine === 'mysql') {
    const why = await mariadbUnavailable();
    if (why !== null) {
      console.warn(`MariaDB unavailable (${why}): skipped`);
      continue;
    }
  }
  const scratch = engine === 'mysql' ? await createScratchDatabase() : null;
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-bench-stored-'));
  try {
    rows.push(...await measure(engine, dir, scratch?.url));
  } finally {
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Records read from the database, as the server's 'zone loaded from storage' lines count them (an image reads none). */
function rowsRead(lines: string[]): number {
  return lines.filter((l) => l.includes('"msg":"zone loaded from storage"')).reduce((sum, l) => sum + (JSON.parse(l) as { records: number }).records, 0);
}

async function measure(engine: string, dir: string, connection: string | undefined): Promise<Row[]> {
  const apiPort = await freePort();
  const dnsPort = await freePort();
  // The server's log lines that say where a start's time went and what its stop saved.
  let telling: string[] = [];
  const spawn = () => {
    telling = [];
    return startServer(`zonecast (${engine})`, process.execPath, [
      join(BENCH_DIR, '..', 'bin', 'zonecast.ts'), 'start', '--data-dir', dir,
      '--api-listen', `127.0.0.1:${apiPort}`, '--listen', `127.0.0.1:${dnsPort}`, ...(connection ? ['--connection', connection] : []),
    ], { cwd: dir, onLine: (line) => void (/storage ready|zone loaded|image|memcached|shutting|closed|error|fail|"level":[456]0/.test(line) && telling.push(line)) });
  };
  Object.assign(process.env, {
    ZONECAST_LOG_LEVEL: 'warn',
    ZONECAST_OSLO_MIDDLEWARE_MAX_REQUEST_BODY_SIZE: String(zoneText.length + (1 << 20)),
    ZONECAST_DEFAULT_QUOTA_ZONE_RECORDSETS: '-1',
    ZONECAST_DEFAULT_QUOTA_ZONE_RECORDS: '-1',
  });

  let server = spawn();
  let importS: number;
  try {
    await untilApiAnswers(apiPort);
    const started = performance.now();
    const headers = { 'x-auth-project-id': 'bench' };
    const post = await fetch(`http://127.0.0.1:${apiPort}/v2/zones/tasks/imports`, { method: 'POST', headers: { ...headers, 'content-type': 'text/dns' }, body: zoneText });
    let task = await post.json() as { id: string; status: string; message?: string };
    if (post.status !== 202) throw new Error(`import: ${post.status} ${JSON.stringify(task)}`);
    while (task.status === 'PENDING') {
      await new Promise((r) => setTimeout(r, 500));
      task = await (await fetch(`http://127.0.0.1:${apiPort}/v2/zones/tasks/imports/${task.id}`, { headers })).json() as typeof task;
    }
    if (task.status !== 'COMPLETE') throw new Error(`import ended ${task.status}: ${task.message}`);
    await waitUntilServing(server, dnsPort, ORIGIN, 600_000);
    importS = (performance.now() - started) / 1000;
    console.log(`${engine}: imported and served ${fmt(records)} records in ${fmt(importS, 1)} s`);
  } catch (err) {
    console.error(server.tail.join('\n'));
    throw err;
  } finally {
    await stopServer(server);
  }

  // A restart from the zone's local image (saved when it was first served, and again at the clean stop; this
  // start also puts it in memcached), one as a new instance would join a fleet (no local image, the image
  // from memcached), and one with images off: the zone read from the database and compiled, as every start
  // did before images.
  const restarts: Row[] = [];
  const ways = [['local image', 'true', 'true'], ['fleet cache', 'false', 'true'], ['database', 'false', 'false']] as const;
  for (const [how, images, cache] of ways) {
    if (cache === 'true' && memcached === null) continue;
    process.env.ZONECAST_SERVICE_MDNS_ZONE_IMAGES = images;
    process.env.ZONECAST_CACHE_ENABLED = cache;
    process.env.ZONECAST_CACHE_MEMCACHE_SERVERS = `127.0.0.1:${memcached?.port ?? 0}`;
    process.env.ZONECAST_LOG_LEVEL = 'info';
    server = spawn();
    try {
      const serveMs = await waitUntilServing(server, dnsPort, ORIGIN, 600_000);
      console.log(`${engine}: served again ${fmt(serveMs / 1000, 2)} s after the restart, from the ${how}`);
      restarts.push({ server: `zonecast (${engine}), restart from ${how}`, importS: restarts.length === 0 ? importS : null, serveS: serveMs / 1000, ...memory(server.pid), rowsRead: rowsRead(telling) });
    } catch (err) {
      console.error(server.tail.join('\n'));
      throw err;
    } finally {
      await stopServer(server);
    }
    // Where the time went, and what the stop saved, from the server's own log.
    for (const line of telling) console.log(`  ${line.slice(0, 300)}`);
  }
  for (const name of ['ZONECAST_SERVICE_MDNS_ZONE_IMAGES', 'ZONECAST_CACHE_ENABLED', 'ZONECAST_CACHE_MEMCACHE_SERVERS']) delete process.env[name];
  return restarts;
}


await memcached?.stop();

const knot = rows[0].serveS;
const text = `${fmt(records)} records (${ORIGIN}), each server on core 0\n\n` + table(
  ['server', 'import + serve s', 'serve after start s', 'vs Knot', 'rows read', 'RSS MiB', 'peak MiB'],
  rows.map((r) => [
    r.server, r.importS === null ? '-' : fmt(r.importS, 1), fmt(r.serveS, 2), `${fmt(r.serveS / knot, 2)}×`,
    r.rowsRead === undefined ? '-' : fmt(r.rowsRead), mib(r.rss), mib(r.peakRss),
  ]),
);
console.log(`\n${text}`);
console.log(`\nwritten: ${writeResults('stored', { ...environment(), records }, { rows }, text).join(', ')}`);
