// Builds a snapshot from master-file text in this thread, for tests that need a zone without files.
import { nameFromText } from '../../engine/codec/name.ts';
import { buildSnapshot, type BuildResult } from '../../engine/snapshot/builder.ts';
import { RecordCollector } from '../../engine/snapshot/collector.ts';
import { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import { parseZone } from '../../engine/zonefile/parser.ts';

export function build(origin: string, text: string): BuildResult {
  const collector = new RecordCollector();
  const parsed = parseZone(Buffer.from(text), { origin, file: 'test.zone' }, collector);
  if (parsed.errors.length) return { buffer: null, serial: 0, records: 0, errors: parsed.errors.map((e) => e.message) };
  return buildSnapshot(nameFromText(origin), collector);
}

export function compile(origin: string, text: string): ZoneSnapshot {
  const result = build(origin, text);
  if (result.buffer === null) throw new Error(result.errors.join('\n'));
  return new ZoneSnapshot(result.buffer);
}
