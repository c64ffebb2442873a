// Generated zone + query files, cached under native-bench/work/ because a
// 1M-record zone takes seconds to write and the inputs must not change between
// the servers being compared.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUERY_MIXES, writeQueries, type QueryMix } from './query-gen.ts';
import { ORIGIN, writeZone } from './zone-gen.ts';

export const BENCH_DIR = join(import.meta.dirname, '..');
export const WORK_DIR = join(BENCH_DIR, 'work');

// Bump when the generators change, so stale caches are not reused.
const GENERATOR_VERSION = 1;
const SEED = 1;

export interface Dataset {
  records: number;
  /** Holds only the zone file: zonecast serves every *.zone in a directory. */
  zoneDir: string;
  zoneFile: string;
  queryFiles: Record<QueryMix, string>;
}

export function ensureDataset(records: number): Dataset {
  const dir = join(WORK_DIR, `dataset-${records}-s${SEED}-g${GENERATOR_VERSION}`);
  const zoneDir = join(dir, 'zones');
  const ds: Dataset = {
    records,
    zoneDir,
    zoneFile: join(zoneDir, `${ORIGIN.slice(0, -1)}.zone`),
    queryFiles: {
      existing: join(dir, 'queries-existing.txt'),
      nx10: join(dir, 'queries-nx10.txt'),
    },
  };
  // The marker is written last: an interrupted generation is redone, not reused.
  const marker = join(dir, 'complete');
  if (existsSync(marker)) return ds;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(zoneDir, { recursive: true });
  const t0 = performance.now();
  const pairs = writeZone(ds.zoneFile, records, SEED);
  for (const mix of QUERY_MIXES) writeQueries(ds.queryFiles[mix], pairs, mix, SEED + 1);
  writeFileSync(marker, '');
  console.log(`generated ${records} records in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${dir}`);
  return ds;
}
