// Pool task: master file → snapshot image. Parsing and building a large zone takes seconds of CPU, so it
// runs here, never on a thread that answers queries. The SharedArrayBuffer goes back without a copy.
import { performance } from 'node:perf_hooks';
import { nameFromText } from '../codec/name.ts';
import { buildSnapshot } from '../snapshot/builder.ts';
import { RecordCollector } from '../snapshot/collector.ts';
import { parseZoneFile } from '../zonefile/parser.ts';

export interface CompileRequest {
  file: string;
  origin: string;
}

export interface CompileResult {
  buffer: SharedArrayBuffer | null;
  serial: number;
  records: number;
  errors: string[];
  parseMs: number;
  buildMs: number;
}

export default function compileZoneFile(request: CompileRequest): CompileResult {
  const started = performance.now();
  const collector = new RecordCollector();
  const parsed = parseZoneFile(request.file, { origin: request.origin }, collector);
  const parseMs = performance.now() - started;
  if (parsed.errors.length > 0) {
    return { buffer: null, serial: 0, records: parsed.records, errors: parsed.errors.map((e) => e.message), parseMs, buildMs: 0 };
  }
  const built = buildSnapshot(nameFromText(request.origin), collector);
  const errors = built.errors.map((e) => `${request.file}: ${e}`);
  return { buffer: built.buffer, serial: built.serial, records: built.records, errors, parseMs, buildMs: performance.now() - started - parseMs };
}
