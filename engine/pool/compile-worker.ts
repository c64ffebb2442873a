// Pool tasks: master file → snapshot image, snapshot → AXFR image, two snapshots → IXFR journal entry,
// received transfer → snapshot, and member list → catalog zone. Parsing, building and rendering a
// large zone take seconds of CPU, so they run here, never on a thread that answers queries. The
// SharedArrayBuffers go back without a copy.
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { typeFromText } from '../codec/constants.ts';
import { nameFromText } from '../codec/name.ts';
import { buildSnapshot } from '../snapshot/builder.ts';
import { RecordCollector } from '../snapshot/collector.ts';
import { patchSnapshot } from '../snapshot/patch.ts';
import { ZoneSnapshot } from '../snapshot/snapshot.ts';
import { renderAxfrImage, type AxfrImageOptions } from '../xfr/axfr-image.ts';
import { diffSnapshots } from '../xfr/diff.ts';
import { applyTransfer, incrementalChange, journalChange, scanTransfer, type IncomingKind } from '../xfr/incoming.ts';
import { JournalEntry } from '../xfr/journal-entry.ts';
import { parseZone, parseZoneFile, type ZoneParseResult } from '../zonefile/parser.ts';

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
  const size = statSync(request.file, { throwIfNoEntry: false })?.size ?? 0;
  return compile(request.origin, (collector) => parseZoneFile(request.file, { origin: request.origin }, collector), size);
}

export interface CompileTextRequest {
  origin: string;
  /** Master-file text, e.g. a stored zone rendered by services/central/zone-export.ts, or its UTF-8 bytes. */
  text: string | Uint8Array;
  /** Names the text in error messages. */
  source: string;
}

export function compileText(request: CompileTextRequest): CompileResult {
  return compile(request.origin, (collector) => parseZone(typeof request.text === 'string' ? Buffer.from(request.text) : request.text, { origin: request.origin, file: request.source }, collector));
}

function compile(origin: string, parse: (collector: RecordCollector) => ZoneParseResult, expectedBytes = 0): CompileResult {
  const started = performance.now();
  const collector = new RecordCollector(expectedBytes);
  const parsed = parse(collector);
  const parseMs = performance.now() - started;
  if (parsed.errors.length > 0) {
    return { buffer: null, serial: 0, records: parsed.records, errors: parsed.errors.map((e) => e.message), parseMs, buildMs: 0 };
  }
  const built = buildSnapshot(nameFromText(origin), collector);
  const errors = built.errors;
  return { buffer: built.buffer, serial: built.serial, records: built.records, errors, parseMs, buildMs: performance.now() - started - parseMs };
}

export interface PatchTextRequest {
  /** The version serving, which the change applies to. */
  base: SharedArrayBuffer;
  origin: string;
  /** Master-file text of the replacing RRsets only (the new SOA among them). */
  text: string;
  source: string;
  /** Every RRset the change replaces, by owner name and type; those the text leaves out are deleted. */
  replaced: { name: string; type: string }[];
  /** A retired version's buffer that nothing reads any more: the result is written into it when it fits. */
  spare?: SharedArrayBuffer | null;
}

export interface PatchTextResult extends CompileResult {
  /** The IXFR journal entry of the step, when patched. */
  journal: Uint8Array | null;
  /** Why the change needs a whole build instead (nothing was built), or null. */
  rebuild: string | null;
}

/** A change of a few RRsets applied to the serving version (snapshot/patch.ts), with the same parser and rules. */
export function patchText(request: PatchTextRequest): PatchTextResult {
  const started = performance.now();
  const collector = new RecordCollector();
  const parsed = parseZone(Buffer.from(request.text), { origin: request.origin, file: request.source }, collector);
  const parseMs = performance.now() - started;
  const failed = { buffer: null, serial: 0, records: parsed.records, parseMs, buildMs: 0, journal: null, rebuild: null };
  if (parsed.errors.length > 0) return { ...failed, errors: parsed.errors.map((e) => e.message) };
  const replaced = request.replaced.map((r) => ({ owner: nameFromText(r.name), type: typeFromText(r.type) }));
  const patched = patchSnapshot(new ZoneSnapshot(request.base), replaced, collector, request.spare ?? null);
  const buildMs = performance.now() - started - parseMs;
  switch (patched.kind) {
    case 'rebuild': return { ...failed, errors: [], buildMs, rebuild: patched.reason };
    case 'invalid': return { ...failed, errors: patched.errors, buildMs };
    case 'patched': return { buffer: patched.buffer, serial: patched.serial, records: patched.records, errors: [], parseMs, buildMs, journal: patched.journal, rebuild: null };
  }
}

export interface JournalApplyRequest {
  /** A saved image of the zone, at the first entry's `from` serial. */
  base: SharedArrayBuffer;
  /** Journal entries (xfr/journal-entry.ts) chaining from the base's serial, oldest first. */
  entries: Uint8Array[];
}

/** An image saved at an older serial brought up to date with the journal steps stored since (patched, not rebuilt). */
export function applyJournal(request: JournalApplyRequest): PatchTextResult {
  const started = performance.now();
  const failed = (errors: string[], rebuild: string | null = null) =>
    ({ buffer: null, serial: 0, records: 0, errors, parseMs: 0, buildMs: performance.now() - started, journal: null, rebuild });
  let patched;
  try {
    const collector = new RecordCollector();
    const base = new ZoneSnapshot(request.base);
    const replaced = journalChange(request.entries.map((e) => new JournalEntry(e)), base, collector);
    patched = patchSnapshot(base, replaced, collector);
  } catch (err) {
    return failed([(err as Error).message]);
  }
  switch (patched.kind) {
    case 'rebuild': return failed([], patched.reason);
    case 'invalid': return failed(patched.errors);
    case 'patched': return { buffer: patched.buffer, serial: patched.serial, records: patched.records, errors: [], parseMs: 0, buildMs: performance.now() - started, journal: null, rebuild: null };
  }
}

export interface AxfrRequest extends AxfrImageOptions {
  snapshot: SharedArrayBuffer;
  /** From allocateAxfrImage: filled here while the answering thread already sends what is finished. */
  target: SharedArrayBuffer;
}

/** Renders the snapshot's AXFR into the shared target; returns the message count. */
export function renderAxfr(request: AxfrRequest): number {
  return renderAxfrImage(new ZoneSnapshot(request.snapshot), request, request.target);
}

export interface DiffRequest {
  older: SharedArrayBuffer;
  newer: SharedArrayBuffer;
}

export function diffZone(request: DiffRequest): Uint8Array {
  return diffSnapshots(new ZoneSnapshot(request.older), new ZoneSnapshot(request.newer));
}

export interface TransferCompileRequest {
  origin: string;
  messages: Uint8Array[];
  ixfrRequested: boolean;
  /** The version an IXFR was asked from. */
  base: SharedArrayBuffer | null;
}

export interface TransferCompileResult extends CompileResult {
  kind: IncomingKind | null;
  /** The IXFR journal entry from the version held, when an increment was patched onto it. */
  journal: Uint8Array | null;
}

/**
 * A zone received from a primary, validated by the same rules as a master file and compiled. An increment is
 * patched onto the version held (snapshot/patch.ts) unless it moves a zone cut; anything else is built whole.
 */
export function compileTransfer(request: TransferCompileRequest): TransferCompileResult {
  const started = performance.now();
  const base = request.base === null ? null : new ZoneSnapshot(request.base);
  const failed = (errors: string[]) => ({ buffer: null, serial: 0, records: 0, errors, parseMs: performance.now() - started, buildMs: 0, kind: null, journal: null });
  try {
    const { kind, serial } = scanTransfer(request.messages, request.ixfrRequested);
    if (kind === 'current') return { buffer: null, serial, records: 0, errors: [], parseMs: performance.now() - started, buildMs: 0, kind, journal: null };
    if (kind === 'ixfr' && base !== null) {
      const collector = new RecordCollector();
      const replaced = incrementalChange(request.messages, base, collector);
      const parseMs = performance.now() - started;
      const patched = patchSnapshot(base, replaced, collector);
      const buildMs = performance.now() - started - parseMs;
      if (patched.kind === 'invalid') return { ...failed(patched.errors), kind };
      if (patched.kind === 'patched') {
        return { buffer: patched.buffer, serial: patched.serial, records: patched.records, errors: [], parseMs, buildMs, kind, journal: patched.journal };
      }
    }
  } catch (err) {
    return failed([(err as Error).message]);
  }
  const collector = new RecordCollector();
  let applied;
  try {
    applied = applyTransfer(request.messages, request.ixfrRequested, base, collector);
  } catch (err) {
    return failed([(err as Error).message]);
  }
  const parseMs = performance.now() - started;
  if (applied.kind === 'current') return { buffer: null, serial: applied.serial, records: 0, errors: [], parseMs, buildMs: 0, kind: 'current', journal: null };
  const built = buildSnapshot(nameFromText(request.origin), collector);
  return { ...built, parseMs, buildMs: performance.now() - started - parseMs, kind: applied.kind, journal: null };
}

export { buildCatalog } from '../catalog/catalog.ts';
