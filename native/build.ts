// `npm install` hook: builds the udp_batch addon (binding.gyp → build/Release/udp_batch.node) with the
// node-gyp that npm bundles. It never fails the install: without a C toolchain, Python or Node headers,
// zonecast serves UDP through Node's dgram instead, and this says so in one line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const LOG = join(ROOT, 'build', 'udp_batch-build.log');

function build(): string | null {
  // npm hands its bundled node-gyp to lifecycle scripts, and its configuration (nodedir, python) through
  // the npm_config_* environment, which node-gyp reads.
  const nodeGyp = process.env.npm_config_node_gyp;
  if (nodeGyp === undefined) return 'run through npm (npm install, or npm run install), which provides node-gyp';
  const run = spawnSync(process.execPath, [nodeGyp, 'rebuild'], { cwd: ROOT, encoding: 'utf8' });
  if (run.status === 0) return null;
  mkdirSync(dirname(LOG), { recursive: true });
  writeFileSync(LOG, `${run.error?.message ?? ''}${run.stdout}${run.stderr}`);
  // node-gyp's first stack line names the cause: "not found: make", "`make` failed with exit code: 2", ...
  const reason = /gyp ERR! stack Error: (.*)/.exec(run.stderr ?? '')?.[1] ?? run.error?.message ?? `node-gyp exited with ${run.status}`;
  return `${reason} (log: ${relative(process.cwd(), LOG)})`;
}

const failure = build();
if (failure !== null) {
  console.warn(`zonecast: the udp_batch addon was not built, UDP falls back to Node's dgram (slower): ${failure}`);
}
