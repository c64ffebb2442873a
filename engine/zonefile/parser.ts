// RFC 1035 §5 master-file parser: entries from the lexer become wire-format records handed to a RecordSink.
// The record path works on the file's bytes with scratch buffers for owner and rdata, so a million-record
// zone costs no per-record allocation; only errors and rare directives build strings.
//
// Choices where the RFCs leave room (BIND's behaviour unless noted):
// - Omitted TTL: $TTL if set (RFC 2308 §4), else the last TTL written explicitly on a record (RFC 1035
//   §5.1), else options.defaultTtl, else the entry is an error. The SOA MINIMUM is never used as a TTL.
// - Omitted class: the zone's class, which the first record fixes (IN when it omits it too); a record of
//   another class is an error, as one zone holds one class.
// - $INCLUDE: the included file starts with the includer's origin (or the directive's), $TTL, last TTL and
//   previous owner; afterwards all four are the includer's again, whatever the included file changed.
// - $INCLUDE paths are relative to the including file's directory (BIND uses its working directory).
// - A plain-number TTL above 2^31-1 is an error rather than RFC 2181 §8's "treat as zero".
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { Class, classToText, MAX_NAME_LENGTH, Type, typeToText } from '../codec/constants.ts';
import { nameFromBytes, NameError, nameFromText, nameLength } from '../codec/name.ts';
import { decimal, durationFromBytes } from '../codec/rdata/fields.ts';
import { MAX_RDATA, rdataFromText, RdataError } from '../codec/rdata/text.ts';
import { Lexer, Tokens } from './lexer.ts';
import { type RecordSink, ZoneFileError } from './sink.ts';

export interface ZoneParseOptions {
  /** Initial origin, absolute (a missing trailing dot is implied). */
  origin: string | Uint8Array;
  /** Name used in error messages. */
  file?: string;
  /** TTL for records that neither state one nor follow a $TTL or an earlier explicit TTL. */
  defaultTtl?: number;
  /** Reads an $INCLUDE file; parseZone passes the path as written, parseZoneFile resolves it first. */
  readInclude?: (path: string) => Uint8Array;
  /** Parsing stops once this many errors are collected; default 20. */
  maxErrors?: number;
}

export interface ZoneParseResult {
  /** Records handed to the sink; records of erroneous entries are not among them. */
  records: number;
  errors: ZoneFileError[];
}

/** Parses master-file bytes, handing each record to `sink` in file order. Never throws for file content. */
export function parseZone(text: Uint8Array, options: ZoneParseOptions, sink: RecordSink): ZoneParseResult {
  const read = options.readInclude;
  const load = read === undefined ? null : (path: string) => ({ data: read(path), file: path });
  return new ZoneParser(options, sink, load).run(text, options.file ?? '<zone>');
}

/**
 * Reads and parses a master file; `$INCLUDE` paths are relative to the including file's directory and read
 * with readInclude when given. Only a failure to read `path` itself throws.
 */
export function parseZoneFile(path: string, options: Omit<ZoneParseOptions, 'file'>, sink: RecordSink): ZoneParseResult {
  const read = options.readInclude ?? ((p: string) => readFileSync(p));
  const load = (include: string, from: string) => {
    const file = isAbsolute(include) ? include : join(dirname(from), include);
    return { data: read(file), file };
  };
  return new ZoneParser(options, sink, load).run(readFileSync(path), path);
}

type Loader = (path: string, from: string) => { data: Uint8Array; file: string };

const MAX_TTL = 0x7fffffff; // RFC 2181 §8
const MAX_INCLUDE_DEPTH = 16;

class ZoneParser {
  private readonly sink: RecordSink;
  private readonly load: Loader | null;
  private readonly maxErrors: number;
  private readonly fallbackTtl: number;
  private readonly tokens = new Tokens();
  private readonly origin = new Uint8Array(MAX_NAME_LENGTH);
  private readonly owner = new Uint8Array(MAX_NAME_LENGTH);
  private readonly rdata = new Uint8Array(MAX_RDATA + 256);
  private ownerLen = 0;
  private dollarTtl = -1;
  private lastTtl = -1;
  private zoneClass = -1;
  private entryTtl = -1;
  private entryClass = -1;
  private records = 0;
  private readonly errors: ZoneFileError[] = [];

  constructor(options: Omit<ZoneParseOptions, 'file'>, sink: RecordSink, load: Loader | null) {
    this.sink = sink;
    this.load = load;
    this.maxErrors = options.maxErrors ?? 20;
    this.fallbackTtl = options.defaultTtl ?? -1;
    const origin = typeof options.origin === 'string'
      ? nameFromText(options.origin.endsWith('.') ? options.origin : `${options.origin}.`)
      : options.origin;
    this.origin.set(origin.subarray(0, nameLength(origin, 0)));
  }

  run(text: Uint8Array, file: string): ZoneParseResult {
    this.parseFile(text, file, 0);
    return { records: this.records, errors: this.errors };
  }

  private parseFile(text: Uint8Array, file: string, depth: number): void {
    const lexer = new Lexer(text);
    const t = this.tokens;
    while (this.errors.length < this.maxErrors && lexer.next(t)) {
      try {
        this.entry(t, file, depth);
      } catch (err) {
        if (!(err instanceof ZoneFileError)) throw err;
        if (this.errors.length < this.maxErrors) this.errors.push(err);
      }
    }
  }

  private entry(t: Tokens, file: string, depth: number): void {
    if (t.error !== null) throw new ZoneFileError(file, t.errorLine, t.error);
    let i = 0;
    if (!t.ownerOmitted) {
      if (t.src[t.start[0]] === 0x24 && !t.isQuoted(0)) return this.directive(t, file, depth);
      this.parseOwner(t, file);
      i = 1;
    } else if (this.ownerLen === 0) {
      throw new ZoneFileError(file, t.firstLine, 'no previous owner name for a line starting with whitespace');
    }

    i = this.ttlAndClass(t, i, file);
    const type = this.recordType(t, i, file);
    const klass = this.recordClass(t, i, file);
    const ttl = this.entryTtl >= 0 ? this.entryTtl : this.impliedTtl(t, i, file);

    t.pos = i + 1;
    let len: number;
    try {
      len = rdataFromText(type, t, this.origin, this.rdata);
    } catch (err) {
      if (!(err instanceof RdataError)) throw err;
      const at = Math.min(Math.max(t.pos - 1, i), t.count - 1);
      throw new ZoneFileError(file, t.line[at], `${typeToText(type)}: ${err.message}`);
    }
    this.zoneClass = klass;
    if (this.entryTtl >= 0) this.lastTtl = ttl;
    this.sink.add(this.owner, this.ownerLen, type, klass, ttl, this.rdata, len);
    this.records++;
  }

  /** RFC 1035 §5.1: `[<TTL>] [<class>]` in either order; sets entryTtl/entryClass (-1 if absent), returns the type's index. */
  private ttlAndClass(t: Tokens, i: number, file: string): number {
    this.entryTtl = -1;
    this.entryClass = -1;
    for (;; i++) {
      if (i >= t.count) throw new ZoneFileError(file, t.line[t.count - 1], 'missing type');
      const src = t.src, s = t.start[i], e = t.end[i];
      if (src[s] >= 0x30 && src[s] <= 0x39) { // a type mnemonic never starts with a digit
        if (this.entryTtl >= 0) throw new ZoneFileError(file, t.line[i], `second TTL '${t.text(i)}'`);
        this.entryTtl = durationFromBytes(src, s, e, MAX_TTL);
        if (this.entryTtl < 0) throw new ZoneFileError(file, t.line[i], `bad TTL '${t.text(i)}' (seconds up to ${MAX_TTL}, or units such as 1h30m)`);
        continue;
      }
      const k = classFromBytes(src, s, e);
      if (k === -1) return i;
      if (k < 0 || this.entryClass >= 0) {
        throw new ZoneFileError(file, t.line[i], `${this.entryClass >= 0 ? 'second class' : 'unusable class'} '${t.text(i)}'`);
      }
      this.entryClass = k;
    }
  }

  private recordClass(t: Tokens, i: number, file: string): number {
    const klass = this.entryClass;
    if (klass < 0) return this.zoneClass >= 0 ? this.zoneClass : Class.IN;
    if (this.zoneClass >= 0 && klass !== this.zoneClass) {
      throw new ZoneFileError(file, t.line[i], `class ${classToText(klass)} differs from the zone's class ${classToText(this.zoneClass)}`);
    }
    return klass;
  }

  private impliedTtl(t: Tokens, i: number, file: string): number {
    const ttl = this.dollarTtl >= 0 ? this.dollarTtl : this.lastTtl >= 0 ? this.lastTtl : this.fallbackTtl;
    if (ttl < 0) throw new ZoneFileError(file, t.line[i], 'no TTL: the record has none and no $TTL precedes it');
    return ttl;
  }

  private recordType(t: Tokens, i: number, file: string): number {
    const type = typeFromBytes(t.src, t.start[i], t.end[i]);
    if (type < 0) throw new ZoneFileError(file, t.line[i], `unknown type '${t.text(i)}'`);
    // RFC 6895 §3.1: OPT and the query/meta range 128-255 (AXFR, ANY, ...) are not data; type 0 is reserved.
    if (type === 0 || type === Type.OPT || (type >= 128 && type <= 255)) {
      throw new ZoneFileError(file, t.line[i], `type ${t.text(i)} cannot appear in a zone`);
    }
    return type;
  }

  private parseOwner(t: Tokens, file: string): void {
    const s = t.start[0], e = t.end[0];
    if (e - s === 1 && t.src[s] === 0x40 && !t.isQuoted(0)) {
      this.ownerLen = nameLength(this.origin, 0);
      this.owner.set(this.origin.subarray(0, this.ownerLen));
      return;
    }
    try {
      this.ownerLen = nameFromBytes(t.src, s, e, this.origin, this.owner, 0);
    } catch (err) {
      this.ownerLen = 0;
      if (err instanceof NameError) throw new ZoneFileError(file, t.line[0], `owner '${t.text(0)}': ${err.message}`);
      throw err;
    }
  }

  // ---- directives (RFC 1035 §5.1, RFC 2308 §4) ----------------------------------------------------

  private directive(t: Tokens, file: string, depth: number): void {
    const at = t.line[0];
    const args = (min: number, max: number) => {
      if (t.count - 1 < min || t.count - 1 > max) {
        const wanted = min === max ? `${min} argument` : `${min} or ${max} arguments`;
        throw new ZoneFileError(file, at, `${t.text(0).toUpperCase()} takes ${wanted}`);
      }
    };
    if (t.is(0, '$ORIGIN')) {
      args(1, 1);
      this.origin.set(this.directiveName(t, 1, file));
    } else if (t.is(0, '$TTL')) {
      args(1, 1);
      const ttl = durationFromBytes(t.src, t.start[1], t.end[1], MAX_TTL);
      if (ttl < 0) throw new ZoneFileError(file, at, `$TTL: bad TTL '${t.text(1)}'`);
      this.dollarTtl = ttl;
    } else if (t.is(0, '$INCLUDE')) {
      args(1, 2);
      this.include(t, file, depth);
    } else if (t.is(0, '$GENERATE')) {
      throw new ZoneFileError(file, at, 'unsupported directive $GENERATE');
    } else {
      throw new ZoneFileError(file, at, `unknown directive '${t.text(0)}'`);
    }
  }

  /** A name argument of a directive, relative to the current origin; a fresh copy. */
  private directiveName(t: Tokens, i: number, file: string): Uint8Array {
    const out = new Uint8Array(MAX_NAME_LENGTH);
    try {
      return out.subarray(0, nameFromBytes(t.src, t.start[i], t.end[i], this.origin, out, 0));
    } catch (err) {
      if (err instanceof NameError) throw new ZoneFileError(file, t.line[i], `${t.text(0).toUpperCase()}: bad name '${t.text(i)}': ${err.message}`);
      throw err;
    }
  }

  private include(t: Tokens, file: string, depth: number): void {
    const at = t.line[0];
    const path = t.text(1);
    const origin = t.count > 2 ? this.directiveName(t, 2, file) : this.origin.slice(0, nameLength(this.origin, 0));
    if (this.load === null) throw new ZoneFileError(file, at, '$INCLUDE is not available without a readInclude option');
    if (depth + 1 > MAX_INCLUDE_DEPTH) throw new ZoneFileError(file, at, `$INCLUDE nested deeper than ${MAX_INCLUDE_DEPTH} files`);
    let loaded: { data: Uint8Array; file: string };
    try {
      loaded = this.load(path, file);
    } catch (err) {
      throw new ZoneFileError(file, at, `$INCLUDE: cannot read '${path}': ${(err as Error).message}`);
    }
    const saved = {
      origin: this.origin.slice(), owner: this.owner.slice(), ownerLen: this.ownerLen,
      dollarTtl: this.dollarTtl, lastTtl: this.lastTtl,
    };
    this.origin.set(origin);
    this.parseFile(loaded.data, loaded.file, depth + 1);
    this.origin.set(saved.origin);
    this.owner.set(saved.owner);
    this.ownerLen = saved.ownerLen;
    this.dollarTtl = saved.dollarTtl;
    this.lastTtl = saved.lastTtl;
  }
}

// ---- type and class mnemonics straight from bytes -----------------------------------------------

interface Mnemonic {
  upper: Uint8Array;
  value: number;
}

/** Mnemonics grouped by length, so a lookup compares a handful of candidates and allocates nothing. */
function mnemonicTable(entries: Record<string, number>): Mnemonic[][] {
  const table: Mnemonic[][] = [];
  for (const [text, value] of Object.entries(entries)) {
    (table[text.length] ??= []).push({ upper: new TextEncoder().encode(text), value });
  }
  return table;
}

const typeTable = mnemonicTable(Type);
const classTable = mnemonicTable({ IN: Class.IN, CH: Class.CH, HS: Class.HS });

function upper(c: number): number {
  return c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
}

function lookup(table: Mnemonic[][], src: Uint8Array, s: number, e: number): number {
  const candidates = table[e - s];
  if (candidates === undefined) return -1;
  next: for (let k = 0; k < candidates.length; k++) {
    const m = candidates[k];
    for (let j = 0; j < m.upper.length; j++) if (upper(src[s + j]) !== m.upper[j]) continue next;
    return m.value;
  }
  return -1;
}

/** `PREFIXnnn` (RFC 3597 §5) as its number, or -1. */
function numbered(prefix: string, src: Uint8Array, s: number, e: number): number {
  if (e - s <= prefix.length) return -1;
  for (let j = 0; j < prefix.length; j++) if (upper(src[s + j]) !== prefix.charCodeAt(j)) return -1;
  const n = decimal(src, s + prefix.length, e);
  return n <= 0xffff ? n : -1;
}

function typeFromBytes(src: Uint8Array, s: number, e: number): number {
  const known = lookup(typeTable, src, s, e);
  return known >= 0 ? known : numbered('TYPE', src, s, e);
}

/** Class number; -1 when the token is no class, -2 for classes a zone cannot hold (RFC 6895 §3.2: 0, NONE, ANY). */
function classFromBytes(src: Uint8Array, s: number, e: number): number {
  const known = lookup(classTable, src, s, e);
  if (known >= 0) return known;
  const n = numbered('CLASS', src, s, e);
  return n < 0 ? -1 : n === 0 || n === Class.NONE || n === Class.ANY ? -2 : n;
}
