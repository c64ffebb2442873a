// TSIG, client side (RFC 8945): signing our own requests (NOTIFY, SOA/AXFR/IXFR as a secondary; §5.1) and
// verifying the response, including each message of a multi-message transfer (§5.3.1, §5.4).
import { timingSafeEqual, type Hmac } from 'node:crypto';
import { namesEqual } from '../codec/name.ts';
import type { TsigKey } from './keys.ts';
import { DEFAULT_FUDGE, TsigSigner } from './tsig.ts';
import {
  findTsig, newHmac, parseTsigRecord, readU48, TSIG_MALFORMED, TSIG_NONE, TsigRecord, updateWithMac, updateWithMessage,
  updateWithTimers, updateWithVariables,
} from './wire.ts';

/**
 * Signs the request buf[0, len) in place (§5.1: MAC over the message and the TSIG variables) and returns
 * the new length and the MAC that the response verifier needs. Throws RangeError when out of room.
 */
export function signRequest(
  buf: Uint8Array, len: number, capacity: number, key: TsigKey, nowSeconds: number, fudge = DEFAULT_FUDGE,
): { len: number; mac: Buffer } {
  const signer = new TsigSigner(key, null, fudge);
  const end = signer.sign(buf, len, capacity, nowSeconds);
  return { len: end, mac: signer.mac! };
}

/**
 * ok: this message is signed and verified. pending: an unsigned intermediate message, accepted for now and
 * covered by the next signed one (§5.3.1) — check `complete` after the last message. Every other status is
 * a failure, and sticky (the client MUST close the connection, §5.3.1):
 * unsigned: no TSIG where one is required (the first message, or a 100th unsigned message in a row);
 * badkey: signed with another key or algorithm; badsig: the MAC does not match; badtime: signed outside
 * the fudge; formerr: the TSIG cannot be interpreted, or a MAC size out of bounds (§5.2.2.1);
 * tsigerror: the server reported a TSIG error (`error`: BADKEY, BADSIG, BADTIME...; `serverTime` for
 * BADTIME), §5.4.
 */
export type TsigResponseStatus = 'ok' | 'pending' | 'unsigned' | 'badkey' | 'badsig' | 'badtime' | 'formerr' | 'tsigerror';

/** Up to 99 messages in a row may come without TSIG (§5.3.1). */
export const MAX_UNSIGNED_RUN = 99;

/** Verifies the messages of the response to one request signed with `key`, in order. */
export class TsigResponseVerifier {
  readonly key: TsigKey;
  /** TSIG Error field of the last TSIG seen (0 = none). */
  error = 0;
  /** Server time from the Other Data of a BADTIME response (§5.2.3), else -1. */
  serverTime = -1;
  private priorMac: Buffer;
  private first = true;
  private unsignedRun = 0;
  private pending: Hmac | null = null;
  private failed: TsigResponseStatus | null = null;
  private readonly record = new TsigRecord();

  /** `requestMac` is the MAC of the signed request (signRequest's `mac`). */
  constructor(key: TsigKey, requestMac: Buffer) {
    this.key = key;
    this.priorMac = requestMac;
  }

  /** True when the last message given to verify() was signed and verified: the response is authentic. */
  get complete(): boolean {
    return this.failed === null && !this.first && this.unsignedRun === 0;
  }

  verify(msg: Uint8Array, len: number, nowSeconds = Date.now() / 1000): TsigResponseStatus {
    if (this.failed !== null) return this.failed;
    const status = this.check(msg, len, Math.floor(nowSeconds));
    if (status !== 'ok' && status !== 'pending') {
      this.failed = status;
      this.pending = null;
    }
    return status;
  }

  private check(msg: Uint8Array, len: number, now: number): TsigResponseStatus {
    const at = findTsig(msg, len);
    if (at === TSIG_MALFORMED) return 'formerr';
    if (at === TSIG_NONE) {
      // §5.3.1: intermediate messages may be unsigned, the first may not, nor more than 99 in a row.
      if (this.first || this.unsignedRun >= MAX_UNSIGNED_RUN) return 'unsigned';
      this.unsignedRun++;
      updateWithMessage(this.context(), msg, len, (msg[0] << 8) | msg[1], 0);
      return 'pending';
    }
    const r = this.record;
    if (!parseTsigRecord(msg, at, len, r)) return 'formerr';
    this.error = r.error;
    // §5.3.2: an unsigned error answer (BADKEY, BADSIG) cannot be verified; report what it says.
    if (r.macLen === 0 && r.error !== 0) return 'tsigerror';
    const alg = this.key.algorithm;
    if (!namesEqual(msg, r.ownerOff, this.key.name, 0) || !namesEqual(msg, r.algOff, alg.wire, 0)) return 'badkey';
    if (r.macLen > alg.digestLength || (r.macLen > 0 && r.macLen < alg.minMacLength)) return 'formerr';
    if (r.macLen === 0) return 'badsig';

    const ctx = this.context();
    updateWithMessage(ctx, msg, at, r.originalId, 1);
    if (this.first) {
      updateWithVariables(ctx, this.key.name, alg, r.timeSigned, r.fudge, r.error, msg, r.otherOff, r.otherLen);
    } else {
      updateWithTimers(ctx, r.timeSigned, r.fudge);
    }
    this.pending = null;
    const digest = ctx.digest();
    const received = msg.subarray(r.macOff, r.macOff + r.macLen);
    if (!timingSafeEqual(digest.subarray(0, r.macLen), received)) return 'badsig';
    if (r.error !== 0) {
      // A verified TSIG error (BADTIME, BADTRUNC): §5.4.2 lets the client learn the server's clock.
      if (r.otherLen === 6) this.serverTime = readU48(msg, r.otherOff);
      return 'tsigerror';
    }
    if (Math.abs(now - r.timeSigned) > r.fudge) return 'badtime';
    // §5.3.1: the next message chains on this MAC as received (truncated or not).
    this.priorMac = Buffer.from(received);
    this.first = false;
    this.unsignedRun = 0;
    return 'ok';
  }

  private context(): Hmac {
    if (this.pending !== null) return this.pending;
    const ctx = newHmac(this.key);
    updateWithMac(ctx, this.priorMac);
    this.pending = ctx;
    return ctx;
  }
}
