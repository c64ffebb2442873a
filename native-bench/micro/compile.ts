// Parse and snapshot-build times for a master file, in this thread, with bytes per record.
// Run: node native-bench/micro/compile.ts FILE ORIGIN   (e.g. a zone from native-bench/work after bench:load)
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { nameFromText } from '../../engine/codec/name.ts';
import { buildSnapshot } from '../../engine/snapshot/builder.ts';
import { RecordCollector } from '../../engine/snapshot/collector.ts';
import { parseZoneFile } from '../../engine/zonefile/parser.ts';

const [file, origin] = process.argv.slice(2);
if (!file || !origin) throw new Error('usage: compile.ts FILE ORIGIN');
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  const collector = new RecordCollector(statSync(file).size);
  const parsed = parseZoneFile(file, { origin }, collector);
  const t1 = performance.now();
  const built = buildSnapshot(nameFromText(origin), collector);
  const t2 = performance.now();
  if (parsed.errors.length || built.errors.length) throw new Error([...parsed.errors, ...built.errors].join('\n'));
  const bytes = built.buffer!.byteLength;
  console.log(`round ${round}: parse ${(t1 - t0).toFixed(0)} ms, build ${(t2 - t1).toFixed(0)} ms, ` +
    `${built.records} records, ${(bytes / built.records).toFixed(1)} B/record`);
}
