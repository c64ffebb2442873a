// zonecast as a secondary: asks a primary for its SOA serial (UDP) and pulls the zone by IXFR or AXFR
// (TCP), signing the requests and verifying every response message when a TSIG key is configured.
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { Class, HEADER_SIZE, Rcode, Type, rcodeToText } from '../codec/constants.ts';
import { nameFromText } from '../codec/name.ts';
import { RRReader } from '../codec/message-reader.ts';
import { signRequest, TsigResponseVerifier } from '../tsig/client.ts';
import type { TsigKey } from '../tsig/keys.ts';
import { TSIG_RESERVE } from '../tsig/tsig.ts';
import { TransferScanner } from './incoming.ts';

export interface Primary {
  host: string;
  port: number;
  key: TsigKey | null;
}

export class TransferInError extends Error {
  override name = 'TransferInError';
}

const now = () => Math.floor(Date.now() / 1000);

/** A query for `zone` (SOA, AXFR or IXFR; IXFR carries our SOA serial in authority, RFC 1995 §3), signed when keyed. */
function request(zone: string, type: number, serial: number | null, key: TsigKey | null): { msg: Buffer; id: number; verifier: TsigResponseVerifier | null } {
  const name = nameFromText(zone);
  const id = randomInt(0x10000);
  const soaLen = serial === null ? 0 : 2 + 10 + 2 + 20;
  const buf = Buffer.alloc(HEADER_SIZE + name.length + 4 + soaLen + TSIG_RESERVE);
  buf.writeUInt16BE(id, 0);
  buf.writeUInt16BE(1, 4);
  if (serial !== null) buf.writeUInt16BE(1, 8);
  buf.set(name, HEADER_SIZE);
  let p = HEADER_SIZE + name.length;
  p = buf.writeUInt16BE(type, p);
  p = buf.writeUInt16BE(Class.IN, p);
  if (serial !== null) {
    // Our SOA: only the serial matters to the primary; the names are the root to keep it short.
    p = buf.writeUInt16BE(0xc000 | HEADER_SIZE, p);
    p = buf.writeUInt16BE(Type.SOA, p);
    p = buf.writeUInt16BE(Class.IN, p);
    p = buf.writeUInt32BE(0, p);
    p = buf.writeUInt16BE(22, p);
    p += 2; // mname and rname: the root
    p = buf.writeUInt32BE(serial, p);
    p += 16;
  }
  if (key === null) return { msg: buf.subarray(0, p), id, verifier: null };
  const signed = signRequest(buf, p, buf.length, key, now());
  return { msg: buf.subarray(0, signed.len), id, verifier: new TsigResponseVerifier(key, signed.mac) };
}

function checkResponse(msg: Uint8Array, id: number, verifier: TsigResponseVerifier | null, what: string): void {
  if (msg.length < HEADER_SIZE || ((msg[0] << 8) | msg[1]) !== id || !(msg[2] & 0x80)) throw new TransferInError(`${what}: not the response to our request`);
  if (verifier !== null) {
    const status = verifier.verify(msg, msg.length);
    if (status !== 'ok' && status !== 'pending') throw new TransferInError(`${what}: TSIG ${status}`);
  }
  const rcode = msg[3] & 0xf;
  if (rcode !== Rcode.NOERROR) throw new TransferInError(`${what}: ${rcodeToText(rcode)}`);
}

/** The primary's SOA serial, asked over UDP with a few tries. */
export async function querySoaSerial(primary: Primary, zone: string, timeoutMs = 2000, tries = 3): Promise<number> {
  let last: Error = new TransferInError('no answer');
  for (let attempt = 0; attempt < tries; attempt++) {
    try {
      const answer = await askSoa(primary, zone, timeoutMs);
      if (answer.rcode !== Rcode.NOERROR) throw new TransferInError(`SOA query: ${rcodeToText(answer.rcode)}`);
      if (answer.serial === null) throw new TransferInError('SOA query: no SOA in the answer');
      return answer.serial;
    } catch (err) {
      last = err as Error;
    }
  }
  throw last;
}

/** A server's answer to `zone IN SOA`: its rcode, and the serial when the answer holds the zone's SOA. */
export interface SoaAnswer {
  rcode: number;
  serial: number | null;
}

/**
 * One SOA query over UDP (signed when keyed). Resolves with whatever the server answered, rcode included;
 * rejects with TransferInError on a timeout or a response that fails TSIG.
 */
export function askSoa(primary: Primary, zone: string, timeoutMs: number): Promise<SoaAnswer> {
  const { msg, id, verifier } = request(zone, Type.SOA, null, primary.key);
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(primary.host) ? 'udp6' : 'udp4');
    const finish = (err: Error | null, answer?: SoaAnswer) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(() => finish(new TransferInError(`SOA query to ${primary.host}:${primary.port} timed out`)), timeoutMs);
    socket.on('error', (err) => finish(err));
    socket.on('message', (reply, from) => {
      if (from.port !== primary.port || reply.length < 2 || reply.readUInt16BE(0) !== id) return; // not ours
      try {
        if (reply.length < HEADER_SIZE || !(reply[2] & 0x80)) throw new TransferInError('SOA query: not the response to our request');
        if (verifier !== null) {
          const status = verifier.verify(reply, reply.length);
          if (status !== 'ok') throw new TransferInError(`SOA query: TSIG ${status}`);
        }
        const rcode = reply[3] & 0xf;
        let serial: number | null = null;
        if (rcode === Rcode.NOERROR) {
          const rr = new RRReader();
          rr.answers(reply);
          while (rr.next()) {
            if (rr.type === Type.SOA) {
              serial = rr.soaSerial;
              break;
            }
          }
        }
        finish(null, { rcode, serial });
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.send(msg, primary.port, primary.host);
  });
}

export interface FetchedTransfer {
  messages: Uint8Array[];
  ixfrRequested: boolean;
  bytes: number;
}

/**
 * Pulls `zone` over TCP: IXFR from `serial` when we hold a version (RFC 1995), else AXFR. Resolves with the
 * raw messages once the response is complete; applying them is left to a pool thread.
 */
export function fetchTransfer(primary: Primary, zone: string, serial: number | null, timeoutMs = 60_000): Promise<FetchedTransfer> {
  const ixfr = serial !== null;
  const { msg, id, verifier } = request(zone, ixfr ? Type.IXFR : Type.AXFR, serial, primary.key);
  const what = `${ixfr ? 'IXFR' : 'AXFR'} from ${primary.host}:${primary.port}`;
  return new Promise((resolve, reject) => {
    const scanner = new TransferScanner(ixfr);
    const messages: Uint8Array[] = [];
    let pending: Buffer = Buffer.alloc(0);
    let bytes = 0;
    let settled = false;
    const socket = net.connect(primary.port, primary.host, () => {
      const framed = Buffer.alloc(2 + msg.length);
      framed.writeUInt16BE(msg.length, 0);
      framed.set(msg, 2);
      socket.write(framed);
    });
    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve({ messages, ixfrRequested: ixfr, bytes });
    };
    const timer = setTimeout(() => finish(new TransferInError(`${what} timed out`)), timeoutMs);
    socket.setTimeout(Math.min(timeoutMs, 30_000), () => finish(new TransferInError(`${what} stalled`)));
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new TransferInError(`${what}: the connection closed before the transfer ended`)));
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      try {
        while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
          const len = pending.readUInt16BE(0);
          // A copy in its own ArrayBuffer: the messages are later moved to a pool thread, not cloned.
          const message = new Uint8Array(pending.subarray(2, 2 + len));
          pending = pending.subarray(2 + len);
          bytes += len;
          checkResponse(message, id, verifier, what);
          scanner.feed(message);
          messages.push(message);
          if (scanner.done) {
            if (verifier !== null && !verifier.complete) throw new TransferInError(`${what}: the last message is not signed`);
            return finish(null);
          }
        }
      } catch (err) {
        finish(err as Error);
      }
    });
  });
}
