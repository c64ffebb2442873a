// Answers that carry only the question and an rcode: SERVFAIL for a question the database could not be
// asked about with no compiled version to answer it ("try again", where REFUSED would say "not here"), and
// the acknowledgement of a NOTIFY (RFC 1996 §4.7: the question echoed, AA set).
import { Flag, HEADER_SIZE } from '../../engine/codec/constants.ts';
import { ParseStatus, Query, parseQuery } from '../../engine/codec/query.ts';
import type { RequestHandler } from '../../engine/net/router.ts';

export class FixedRcode implements RequestHandler {
  readonly #q = new Query();
  readonly #rcode: number;
  readonly #authoritative: boolean;

  constructor(rcode: number, authoritative = false) {
    this.#rcode = rcode;
    this.#authoritative = authoritative;
  }

  handle(msg: Uint8Array, tcp: boolean): Buffer | null {
    const q = this.#q;
    if (parseQuery(msg, msg.length, q) !== ParseStatus.OK) return null;
    const prefix = tcp ? 2 : 0;
    const out = Buffer.alloc(prefix + q.questionEnd);
    if (tcp) out.writeUInt16BE(q.questionEnd, 0);
    out.set(msg.subarray(0, q.questionEnd), prefix);
    // QR set, opcode and RD kept; TC, RA, AD, CD clear; one question, no other section.
    const flags = Flag.QR | (q.flags & (0x7800 | Flag.RD)) | (this.#authoritative ? Flag.AA : 0) | this.#rcode;
    out.writeUInt16BE(flags, prefix + 2);
    out.writeUInt16BE(1, prefix + 4);
    out.fill(0, prefix + 6, prefix + HEADER_SIZE);
    return out;
  }
}
