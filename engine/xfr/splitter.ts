// Packs a sequence of RRs into as many DNS messages as it takes (RFC 5936 §2.2 for AXFR, the same framing
// for IXFR): each message at most `limit` bytes, names compressed within a message and never across, the
// question in the first message only. Finished messages go to `emit` with ID 0 and flags QR|AA.
import { Flag, HEADER_SIZE } from '../codec/constants.ts';
import { MessageWriter } from '../codec/writer.ts';

export class RRTooLargeError extends Error {
  override name = 'RRTooLargeError';
}

export class MessageSplitter {
  private readonly w: MessageWriter;
  private readonly limit: number;
  private readonly question: Uint8Array;
  private readonly emit: (message: Uint8Array, length: number) => void;
  private answers = 0;
  private first = true;

  /** `question` is the wire question (name, type, class) for the first message. */
  constructor(maxMessageSize: number, reserve: number, question: Uint8Array, emit: (message: Uint8Array, length: number) => void) {
    this.w = new MessageWriter(maxMessageSize);
    this.limit = maxMessageSize - reserve;
    this.question = question;
    this.emit = emit;
    this.start();
  }

  /** Adds one RR: owner uncompressed at src[owner], rdata at rdataSrc[rdata, +rdlength). */
  rr(src: Uint8Array, owner: number, type: number, ttl: number, rdataSrc: Uint8Array, rdata: number, rdlength: number): void {
    if (this.tryRR(src, owner, type, ttl, rdataSrc, rdata, rdlength)) return;
    if (this.answers > 0) {
      this.finishMessage();
      this.start();
      if (this.tryRR(src, owner, type, ttl, rdataSrc, rdata, rdlength)) return;
    }
    throw new RRTooLargeError(`an RR of type ${type} does not fit in a ${this.limit}-byte message`);
  }

  /** Emits the last message. */
  end(): void {
    this.finishMessage();
  }

  private start(): void {
    const w = this.w;
    w.begin();
    this.answers = 0;
    if (this.first) {
      w.bytes(this.question, 0, this.question.length);
      w.remember(HEADER_SIZE);
    }
  }

  private tryRR(src: Uint8Array, owner: number, type: number, ttl: number, rdataSrc: Uint8Array, rdata: number, rdlength: number): boolean {
    const w = this.w;
    // The most this RR can add before it is written: an uncompressed owner, the fixed fields and rdata.
    if (w.pos + 255 + 10 + rdlength > w.capacity) return false;
    const mark = w.mark();
    w.name(src, owner);
    w.u16(type);
    w.u16(1); // IN
    w.u32(ttl);
    w.rdata(type, rdataSrc, rdata, rdlength);
    if (w.pos > this.limit) {
      w.rollback(mark);
      return false;
    }
    this.answers++;
    return true;
  }

  private finishMessage(): void {
    const w = this.w;
    w.setU16(0, 0);
    w.setU16(2, Flag.QR | Flag.AA);
    w.setU16(4, this.first ? 1 : 0);
    w.setU16(6, this.answers);
    w.setU16(8, 0);
    w.setU16(10, 0);
    this.emit(w.buf, w.pos);
    this.first = false;
  }
}
