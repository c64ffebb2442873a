// SERVFAIL for a question the database could not be asked about and no compiled version answers: "try
// again" to the resolver or secondary, where REFUSED would say the zone is not here.
import { Flag, HEADER_SIZE, Rcode } from '../../engine/codec/constants.ts';
import { ParseStatus, Query, parseQuery } from '../../engine/codec/query.ts';
import type { RequestHandler } from '../../engine/net/router.ts';

export class ServfailHandler implements RequestHandler {
  readonly #q = new Query();

  handle(msg: Uint8Array, tcp: boolean): Buffer | null {
    const q = this.#q;
    if (parseQuery(msg, msg.length, q) !== ParseStatus.OK) return null;
    const prefix = tcp ? 2 : 0;
    const out = Buffer.alloc(prefix + q.questionEnd);
    if (tcp) out.writeUInt16BE(q.questionEnd, 0);
    out.set(msg.subarray(0, q.questionEnd), prefix);
    // QR set, opcode and RD kept; AA, TC, RA, AD, CD clear; one question, no other section.
    const flags = Flag.QR | (q.flags & (0x7800 | Flag.RD)) | Rcode.SERVFAIL;
    out.writeUInt16BE(flags, prefix + 2);
    out.writeUInt16BE(1, prefix + 4);
    out.fill(0, prefix + 6, prefix + HEADER_SIZE);
    return out;
  }
}
