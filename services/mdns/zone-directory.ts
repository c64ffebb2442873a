// Serves every `*.zone` master file of a directory: each compiles in the pool and starts answering as soon
// as its snapshot is ready, independently of the others; a file with errors is logged and not served
// (SERVFAIL, as BIND answers for a zone that failed to load).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { nameFromText } from '../../engine/codec/name.ts';
import { HostedZone, type ZoneTable } from '../../engine/answer/zone-table.ts';
import type { CompilePool } from '../../engine/pool/compile-pool.ts';
import { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import { zoneOriginOf } from '../../engine/zonefile/origin.ts';
import type { Logger } from '../log.ts';

export interface LoadSummary {
  loaded: number;
  failed: number;
}

export async function loadZoneDirectory(dir: string, zones: ZoneTable, pool: CompilePool, log: Logger): Promise<LoadSummary> {
  // Smallest first: with few compile threads a huge zone would otherwise hold every zone queued behind it.
  const files = readdirSync(dir).filter((f) => f.endsWith('.zone')).map((f) => join(dir, f))
    .map((file) => ({ file, size: statSync(file).size }))
    .sort((a, b) => a.size - b.size || a.file.localeCompare(b.file))
    .map((f) => f.file);
  if (files.length === 0) log.warn({ dir }, 'no *.zone files to serve');
  const summary: LoadSummary = { loaded: 0, failed: 0 };
  await Promise.all(files.map(async (file) => {
    const ok = await loadZoneFile(file, zones, pool, log);
    if (ok) summary.loaded++;
    else summary.failed++;
  }));
  return summary;
}

async function loadZoneFile(file: string, zones: ZoneTable, pool: CompilePool, log: Logger): Promise<boolean> {
  let zone: HostedZone;
  try {
    zone = new HostedZone(nameFromText(zoneOriginOf(file)));
    zones.add(zone);
  } catch (err) {
    log.error({ file, err: (err as Error).message }, 'zone not served');
    return false;
  }
  const started = performance.now();
  const result = await pool.compile({ file, origin: zone.text });
  if (result.buffer === null) {
    for (const problem of result.errors) log.error({ zone: zone.text, file, problem }, 'zone file error');
    log.error({ zone: zone.text, file, errors: result.errors.length }, 'zone not served: fix the errors above');
    return false;
  }
  zone.snapshot = new ZoneSnapshot(result.buffer);
  log.info({
    zone: zone.text,
    serial: result.serial,
    records: result.records,
    compileMs: Math.round(performance.now() - started),
    parseMs: Math.round(result.parseMs),
    buildMs: Math.round(result.buildMs),
    snapshotBytes: result.buffer.byteLength,
  }, 'zone loaded');
  return true;
}
