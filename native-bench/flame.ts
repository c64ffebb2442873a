// bench:flame — where zonecast's time goes under dnsperf load: runs the server under 0x (V8 CPU sampling)
// pinned to core 0, loads it from core 1 for a few seconds, then stops it so 0x writes the flamegraph.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, ensureDataset } from './lib/dataset.ts';
import { freePort, waitUntilServing } from './lib/dns-probe.ts';
import { runDnsperf } from './lib/dnsperf.ts';
import { ensurePackages } from './lib/packages.ts';
import { startServer, stopServer } from './lib/proc.ts';
import { fmt } from './lib/report.ts';
import { ORIGIN } from './lib/zone-gen.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    records: { type: 'string', default: '100000' },
    mix: { type: 'string', default: 'existing' },
  },
});
const mix = values.mix === 'nx10' ? 'nx10' : 'existing';

ensurePackages(['dnsperf']);
const ds = ensureDataset(Number(values.records));
const port = await freePort();
const outDir = join(BENCH_DIR, 'results', `flame-${new Date().toISOString().replaceAll(':', '-')}`);
const repo = join(BENCH_DIR, '..');
const server = startServer('zonecast (0x)', join(repo, 'node_modules', '.bin', '0x'), [
  '--output-dir', outDir, '--', process.execPath, join(repo, 'bin', 'zonecast.ts'),
  'mdns', '--zones', ds.zoneDir, '--listen', `127.0.0.1:${port}`,
], { cwd: repo });
try {
  await waitUntilServing(server, port, ORIGIN, 120_000);
  const result = await runDnsperf({ port, queryFile: ds.queryFiles[mix], seconds: Number(values.seconds), clients: 8, outstanding: 200 });
  console.log(`under 0x: ${fmt(result.qps)} qps (${mix}); sampling slows the server, so read proportions, not rates`);
} finally {
  // 0x turns SIGINT into a clean stop of the profiled process, then renders; give it time.
  server.child.kill('SIGINT');
  await Promise.race([server.exited, new Promise((r) => setTimeout(r, 60_000))]);
  await stopServer(server);
}
console.log(`flamegraph: ${join(outDir, 'flamegraph.html')}`);
