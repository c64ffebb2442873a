// TSIG, server side (RFC 8945): verifying a signed request over the bytes received (§5.2), signing the
// response and every following message of a multi-message TCP response (§5.3, §5.3.1), and the TSIG
// error responses (§5.3.2). The client side lives in client.ts.
import { timingSafeEqual, type Hmac } from 'node:crypto';
import { MAX_NAME_LENGTH, Rcode } from '../codec/constants.ts';
import { algorithmFromWire, TSIG_ALGORITHMS, type TsigKey, type TsigKeyring } from './keys.ts';
import {
  newHmac, parseTsigRecord, plainNameEnd, timeOtherData, TsigRecord, tsigRecordSize, updateWithMac, updateWithMessage,
  updateWithTimers, updateWithVariables, writeTsigRecord,
} from './wire.ts';

/** Fudge we sign with: RFC 8945 §10 recommends 300 seconds. */
export const DEFAULT_FUDGE = 300;

/**
 * Most bytes a TSIG RR signed by TsigSigner can add to a message, for any key: the longest key name (255),
 * the longest (algorithm name + digest) of the table (hmac-sha512: 13 + 64), 26 fixed bytes, and 6 bytes of
 * Other Data (a BADTIME response). 364 bytes. tsigSize(key) is the tighter per-key figure. The unsigned
 * BADKEY response echoes an algorithm name we may not know (up to 255 bytes): see tsigErrorSize.
 */
export const TSIG_RESERVE = MAX_NAME_LENGTH + Math.max(...TSIG_ALGORITHMS.map((a) => a.wire.length + a.digestLength)) + 26 + 6;

/** Bytes a TSIG RR signed with `key` adds to a message, including room for 6 bytes of Other Data. */
export function tsigSize(key: TsigKey): number {
  return tsigRecordSize(key.name.length, key.algorithm.wire.length, key.algorithm.digestLength, 6);
}

export type TsigStatus = 'ok' | 'badkey' | 'badsig' | 'badtime' | 'badtrunc' | 'formerr';

export interface TsigVerification {
  /**
   * ok: answer normally and sign with `new TsigSigner(key, requestMac)`. formerr: answer FORMERR without
   * TSIG (§5.2, §5.2.2.1). Anything else: answer NOTAUTH via appendTsigError (§5.3.2).
   */
  status: TsigStatus;
  /** The key named by the request (null for badkey and formerr). */
  key: TsigKey | null;
  /** The request's MAC as received, possibly truncated (§5.2.2.1), when it validated. */
  requestMac: Buffer | null;
  timeSigned: number;
  fudge: number;
  /** TSIG error code for the response's TSIG RR: 0, BADSIG 16, BADKEY 17, BADTIME 18, BADTRUNC 22. */
  error: number;
  originalId: number;
  /** Key and algorithm names for the error response's TSIG (copies of the request's for badkey). */
  keyName: Uint8Array | null;
  algorithmName: Uint8Array | null;
}

const record = new TsigRecord();

function result(
  status: TsigStatus, error: number, key: TsigKey | null, requestMac: Buffer | null, keyName: Uint8Array | null,
  algorithmName: Uint8Array | null,
): TsigVerification {
  return {
    status, key, requestMac, error, keyName, algorithmName,
    timeSigned: record.timeSigned, fudge: record.fudge, originalId: record.originalId,
  };
}

const FORMERR: TsigVerification = Object.freeze({
  status: 'formerr', key: null, requestMac: null, timeSigned: 0, fudge: 0, error: 0, originalId: 0, keyName: null,
  algorithmName: null,
}) as TsigVerification;

/**
 * Verifies the TSIG RR at msg[tsigOffset] (as found by parseQuery: the last record, ending at `len`) over
 * the message exactly as received, in the order of RFC 8945 §5.2: structure (FORMERR), key and algorithm
 * (§5.2.1, BADKEY), MAC size (§5.2.2.1, FORMERR) and MAC (§5.2.2, BADSIG), time (§5.2.3, BADTIME), then
 * the local truncation policy (§5.2.4, BADTRUNC when the MAC is shorter than `minMacLength`; by default
 * every truncation §5.2.2.1 permits is accepted).
 *
 * A request whose MAC is empty gets BADSIG, as BIND answers it ("signature was empty"); a strict reading
 * of §5.2.2.1 rule 3 would make it FORMERR. BADSIG tells the client plainly that its signature was refused.
 */
export function verifyRequest(
  msg: Uint8Array, len: number, tsigOffset: number, keyring: TsigKeyring, nowSeconds: number, minMacLength = 0,
): TsigVerification {
  const r = record;
  if (tsigOffset < 12 || !parseTsigRecord(msg, tsigOffset, len, r)) return FORMERR;

  // §5.2.1: unknown key, unknown algorithm, or an algorithm other than the key's.
  const key = keyring.find(msg, r.ownerOff);
  const alg = key === null ? null : algorithmFromWire(msg, r.algOff);
  if (key === null || alg !== key.algorithm) {
    const nameEnd = plainNameEnd(msg, r.ownerOff, len);
    const algEnd = plainNameEnd(msg, r.algOff, len);
    return result('badkey', Rcode.BADKEY, null, null, msg.slice(r.ownerOff, nameEnd), msg.slice(r.algOff, algEnd));
  }

  // §5.2.2.1: longer than the hash, or shorter than max(10, hash/2), cannot be interpreted.
  if (r.macLen > alg.digestLength || (r.macLen > 0 && r.macLen < alg.minMacLength)) return FORMERR;
  if (r.macLen === 0) return result('badsig', Rcode.BADSIG, key, null, key.name, alg.wire);

  // §5.2.2, §4.3.1: request MAC = message without its TSIG (ARCOUNT - 1, Original ID) + TSIG variables.
  const ctx = newHmac(key);
  updateWithMessage(ctx, msg, tsigOffset, r.originalId, 1);
  updateWithVariables(ctx, key.name, alg, r.timeSigned, r.fudge, r.error, msg, r.otherOff, r.otherLen);
  const digest = ctx.digest();
  const received = msg.subarray(r.macOff, r.macOff + r.macLen);
  if (!timingSafeEqual(digest.subarray(0, r.macLen), received)) {
    return result('badsig', Rcode.BADSIG, key, null, key.name, alg.wire);
  }
  const requestMac = Buffer.from(received);

  // §5.2.3: the request must have been signed within fudge seconds of our clock.
  if (Math.abs(Math.floor(nowSeconds) - r.timeSigned) > r.fudge) {
    return result('badtime', Rcode.BADTIME, key, requestMac, key.name, alg.wire);
  }
  // §5.2.4: permitted truncation, but shorter than local policy.
  if (r.macLen < Math.min(minMacLength, alg.digestLength)) {
    return result('badtrunc', Rcode.BADTRUNC, key, requestMac, key.name, alg.wire);
  }
  return result('ok', 0, key, requestMac, key.name, alg.wire);
}

export interface SignOptions {
  /** TSIG Error field (0 unless answering a TSIG error). */
  error?: number;
  /** Other Data (BADTIME: the server's 48-bit time, see timeOtherData). */
  otherData?: Uint8Array;
}

/**
 * Signs one message, or each message of a multi-message TCP response in order (RFC 8945 §5.3, §5.3.1).
 * With a request MAC it signs responses; with null it signs a request (§4.3.1; see signRequest).
 * Messages left unsigned in between (at most 99 in a row, §5.3.1) must be passed to addUnsigned so the
 * next signed message covers them.
 */
export class TsigSigner {
  readonly key: TsigKey;
  readonly fudge: number;
  private readonly requestMac: Buffer | null;
  private priorMac: Buffer | null = null;
  private pending: Hmac | null = null;

  constructor(key: TsigKey, requestMac: Buffer | null, fudge = DEFAULT_FUDGE) {
    this.key = key;
    this.requestMac = requestMac;
    this.fudge = fudge;
  }

  /** MAC of the last signed message, null before the first. */
  get mac(): Buffer | null {
    return this.priorMac;
  }

  /**
   * Appends the TSIG RR to buf[0, len) at buf[len], increments ARCOUNT and returns the new length. The
   * Original ID is the message's ID; `nowSeconds` becomes Time Signed. Throws RangeError when the RR
   * does not fit in `capacity`.
   */
  sign(buf: Uint8Array, len: number, capacity: number, nowSeconds: number, opts?: SignOptions): number {
    const alg = this.key.algorithm;
    const other = opts?.otherData ?? null;
    const error = opts?.error ?? 0;
    const otherLen = other === null ? 0 : other.length;
    const size = tsigRecordSize(this.key.name.length, alg.wire.length, alg.digestLength, otherLen);
    if (len + size > Math.min(capacity, buf.length)) {
      throw new RangeError(`no room for the TSIG record: ${size} bytes needed after ${len} of ${capacity}`);
    }
    const timeSigned = Math.floor(nowSeconds);
    const ctx = this.context();
    updateWithMessage(ctx, buf, len, (buf[0] << 8) | buf[1], 0);
    if (this.priorMac === null) {
      // §5.3 (first or only message): [request MAC] + message + all TSIG variables.
      updateWithVariables(ctx, this.key.name, alg, timeSigned, this.fudge, error, other, 0, otherLen);
    } else {
      // §5.3.1 (subsequent message): prior MAC + unsigned messages since + this message + timers.
      updateWithTimers(ctx, timeSigned, this.fudge);
    }
    const mac = ctx.digest();
    this.pending = null;
    this.priorMac = mac;
    return writeTsigRecord(buf, len, this.key.name, alg.wire, timeSigned, this.fudge, mac, (buf[0] << 8) | buf[1], error, other);
  }

  /** Feeds a message sent without TSIG into the next signed message's MAC (§5.3.1). */
  addUnsigned(buf: Uint8Array, len: number): void {
    if (this.priorMac === null) throw new Error('the first message of a TSIG-signed response must be signed');
    updateWithMessage(this.context(), buf, len, (buf[0] << 8) | buf[1], 0);
  }

  private context(): Hmac {
    if (this.pending !== null) return this.pending;
    const ctx = newHmac(this.key);
    const chained = this.priorMac ?? this.requestMac;
    if (chained !== null) updateWithMac(ctx, chained);
    this.pending = ctx;
    return ctx;
  }
}

/**
 * Appends the unsigned TSIG RR of a BADKEY or BADSIG response (§5.3.2: MAC Size 0, empty MAC; a signed
 * error MUST NOT be sent) and increments ARCOUNT; returns the new length. `keyName` and `algorithmName`
 * are wire names echoed from the request. Throws RangeError when it does not fit.
 */
export function appendUnsignedTsigError(
  buf: Uint8Array, len: number, capacity: number, keyName: Uint8Array, algorithmName: Uint8Array, error: number,
  timeSigned: number, fudge: number, originalId: number,
): number {
  const size = tsigRecordSize(keyName.length, algorithmName.length, 0, 0);
  if (len + size > Math.min(capacity, buf.length)) {
    throw new RangeError(`no room for the TSIG record: ${size} bytes needed after ${len} of ${capacity}`);
  }
  return writeTsigRecord(buf, len, keyName, algorithmName, Math.floor(timeSigned), fudge, null, originalId, error, null);
}

/** Bytes appendTsigError adds for this verification result. */
export function tsigErrorSize(v: TsigVerification): number {
  if (v.key !== null && (v.status === 'badtime' || v.status === 'badtrunc')) return tsigSize(v.key);
  return tsigRecordSize(v.keyName?.length ?? 0, v.algorithmName?.length ?? 0, 0, 0);
}

/**
 * Completes the NOTAUTH response to a request that failed verification (status badkey, badsig, badtime or
 * badtrunc; §5.2.1 to §5.2.4, §5.3.2): sets RCODE to NOTAUTH in buf's header, then appends
 * - badkey, badsig: an unsigned TSIG with the error, Time Signed = now;
 * - badtime: a TSIG signed with the request MAC, Time Signed = the request's (so the client can verify
 *   it), Other Data = our current time (§5.2.3);
 * - badtrunc: a normally signed TSIG with the error.
 * Returns the new length; throws for ok/formerr (formerr is answered without TSIG) or when out of room.
 */
export function appendTsigError(
  buf: Uint8Array, len: number, capacity: number, v: TsigVerification, nowSeconds: number,
): number {
  buf[3] = (buf[3] & 0xf0) | Rcode.NOTAUTH;
  switch (v.status) {
    case 'badkey':
    case 'badsig':
      return appendUnsignedTsigError(
        buf, len, capacity, v.keyName!, v.algorithmName!, v.error, nowSeconds, DEFAULT_FUDGE, v.originalId,
      );
    case 'badtime':
      return new TsigSigner(v.key!, v.requestMac).sign(buf, len, capacity, v.timeSigned, {
        error: Rcode.BADTIME, otherData: timeOtherData(nowSeconds),
      });
    case 'badtrunc':
      return new TsigSigner(v.key!, v.requestMac).sign(buf, len, capacity, nowSeconds, { error: Rcode.BADTRUNC });
    default:
      throw new Error(`appendTsigError: status ${v.status} is not answered with a TSIG error`);
  }
}
