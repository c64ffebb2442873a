// Answers that carry only the question and an rcode: SERVFAIL for a question the database could not be
// asked about with no compiled version to answer it ("try again", where REFUSED would say "not here"), and
// the answers to a NOTIFY (RFC 1996 §4.7: the question echoed, AA set on the acknowledgement). With a
// keyring, a signed request is verified first and its answer signed (RFC 8945 §5.2, §5.3): a master that
// signs its NOTIFY does not accept an unsigned answer. A request signed with an unknown key or a bad MAC
// gets NOTAUTH with the TSIG error; a TSIG that cannot be read, FORMERR.
import { Flag, HEADER_SIZE, Rcode } from '../../engine/codec/constants.ts';
import { ParseStatus, Query, parseQuery } from '../../engine/codec/query.ts';
import type { RequestHandler } from '../../engine/net/router.ts';
import type { TsigKeyring } from '../../engine/tsig/keys.ts';
import { appendTsigError, TsigSigner, tsigErrorSize, tsigSize, verifyRequest } from '../../engine/tsig/tsig.ts';

export class FixedRcode implements RequestHandler {
  readonly #q = new Query();
  readonly #rcode: number;
  readonly #authoritative: boolean;
  readonly #keyring: TsigKeyring | null;

  constructor(rcode: number, authoritative = false, keyring: TsigKeyring | null = null) {
    this.#rcode = rcode;
    this.#authoritative = authoritative;
    this.#keyring = keyring;
  }

  handle(msg: Uint8Array, tcp: boolean): Buffer | null {
    const q = this.#q;
    if (parseQuery(msg, msg.length, q) !== ParseStatus.OK) return null;
    if (q.tsigOffset < 0 || this.#keyring === null) return this.#answer(msg, q, tcp, this.#rcode, 0).out;
    const now = Math.floor(Date.now() / 1000);
    const v = verifyRequest(msg, msg.length, q.tsigOffset, this.#keyring, now);
    if (v.status === 'formerr') return this.#answer(msg, q, tcp, Rcode.FORMERR, 0).out;
    const room = v.status === 'ok' ? tsigSize(v.key!) : tsigErrorSize(v);
    const { out, prefix } = this.#answer(msg, q, tcp, v.status === 'ok' ? this.#rcode : Rcode.NOTAUTH, room);
    const body = out.subarray(prefix);
    const len = v.status === 'ok'
      ? new TsigSigner(v.key!, v.requestMac).sign(body, q.questionEnd, body.length, now)
      : appendTsigError(body, q.questionEnd, body.length, v, now);
    if (tcp) out.writeUInt16BE(len, 0);
    return out.subarray(0, prefix + len);
  }

  /** The header and the echoed question, with `room` bytes spare after them for a TSIG record. */
  #answer(msg: Uint8Array, q: Query, tcp: boolean, rcode: number, room: number): { out: Buffer; prefix: number } {
    const prefix = tcp ? 2 : 0;
    const out = Buffer.alloc(prefix + q.questionEnd + room);
    if (tcp) out.writeUInt16BE(q.questionEnd, 0);
    out.set(msg.subarray(0, q.questionEnd), prefix);
    // QR set, opcode and RD kept; TC, RA, AD, CD clear; one question, no other section.
    const flags = Flag.QR | (q.flags & (0x7800 | Flag.RD)) | (this.#authoritative && rcode === this.#rcode ? Flag.AA : 0) | rcode;
    out.writeUInt16BE(flags, prefix + 2);
    out.writeUInt16BE(1, prefix + 4);
    out.fill(0, prefix + 6, prefix + HEADER_SIZE);
    return { out, prefix };
  }
}
