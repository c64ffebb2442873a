// An AXFR rendered from master-file text while the text is still arriving (RFC 5936): the SOA, each chunk's
// records as the chunk comes, the SOA again once the last one has. A zone read from a database row by row
// is transferred as it is read, where an AXFR image (axfr-image.ts) needs the compiled snapshot first: the
// first transfer of a new version starts with the read instead of after the read and the compile.
//
// Chunks hold whole entries (lines) with absolute owners, explicit TTLs and classes, as a database renders
// them, so each is parsed on its own with the same parser as zone files. The SOA is given first and sent
// first and last; SOA records in the chunks are the same record and are skipped.
import { Type } from '../codec/constants.ts';
import { nameFromText } from '../codec/name.ts';
import type { RecordSink } from '../zonefile/sink.ts';
import { parseZone } from '../zonefile/parser.ts';
import { axfrQuestionOf, type AxfrImageOptions } from './axfr-image.ts';
import { MessageSplitter } from './splitter.ts';
import type { MessageSource } from './transfer-stream.ts';

export class StreamedAxfrError extends Error {
  override name = 'StreamedAxfrError';
}

/** One RR as the parser hands it over, copied (the parser reuses its buffers). */
interface WireRR {
  owner: Uint8Array;
  type: number;
  ttl: number;
  rdata: Uint8Array;
}

export class StreamedAxfr implements MessageSource {
  readonly #origin: string;
  readonly #splitter: MessageSplitter;
  readonly #soa: WireRR;
  readonly #messages: Uint8Array[] = [];
  #waiters: (() => void)[] = [];
  /** Where the parser hands each chunk's records: into the messages, SOAs skipped. */
  readonly #sink: RecordSink = {
    add: (owner, _ownerLen, type, _klass, ttl, rdata, rdataLen) => {
      if (type === Type.SOA) return;
      this.#splitter.rr(owner, 0, type, ttl, rdata, 0, rdataLen);
      this.records++;
    },
  };
  #complete = false;
  #failed = false;
  /** Records sent, both SOAs included. */
  records = 0;

  /** `soa` is the zone's SOA as one master-file entry; StreamedAxfrError when it is not one. */
  constructor(origin: string, soa: string, options: AxfrImageOptions) {
    this.#origin = origin;
    let found: WireRR | null = null;
    const parsed = parseZone(Buffer.from(soa), { origin, file: `SOA of ${origin}` }, {
      add: (owner, ownerLen, type, _klass, ttl, rdata, rdataLen) => {
        if (type === Type.SOA) found = { owner: owner.slice(0, ownerLen), type, ttl, rdata: rdata.slice(0, rdataLen) };
      },
    });
    if (found === null || parsed.errors.length > 0) throw new StreamedAxfrError(`${origin}: no SOA in ${JSON.stringify(soa)}${parsed.errors.length > 0 ? `: ${parsed.errors[0].problem}` : ''}`);
    this.#soa = found;
    this.#splitter = new MessageSplitter(options.maxMessageSize, options.reserve, axfrQuestionOf(nameFromText(origin)), (m, len) => {
      this.#messages.push(m.slice(0, len));
      this.#wake();
    });
    this.#send(this.#soa);
  }

  /** Renders the records of `text` (whole entries, UTF-8); a chunk that does not parse fails the transfer. */
  push(text: Uint8Array): void {
    if (this.#complete || this.#failed) return;
    try {
      const parsed = parseZone(text, { origin: this.#origin, file: this.#origin }, this.#sink);
      if (parsed.errors.length > 0) this.fail();
    } catch {
      // An RR too large for a message: the zone cannot be transferred as it stands.
      this.fail();
    }
  }

  /** The last chunk is in: the closing SOA goes out and the transfer is complete. */
  end(): void {
    if (this.#complete || this.#failed) return;
    this.#send(this.#soa);
    this.#splitter.end();
    this.#complete = true;
    this.#wake();
  }

  /** The text stopped short (the read failed): what was sent is not a whole transfer. */
  fail(): void {
    if (this.#complete || this.#failed) return;
    this.#failed = true;
    this.#wake();
  }

  get count(): number {
    return this.#messages.length;
  }

  message(i: number): Uint8Array {
    return this.#messages[i];
  }

  get complete(): boolean {
    return this.#complete;
  }

  get failed(): boolean {
    return this.#failed;
  }

  whenAvailable(i: number): Promise<void> {
    if (i < this.#messages.length || this.#complete || this.#failed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #send(rr: WireRR): void {
    this.#splitter.rr(rr.owner, 0, rr.type, rr.ttl, rr.rdata, 0, rr.rdata.length);
    this.records++;
  }

  #wake(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
