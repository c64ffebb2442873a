// A tiny TSIG-checking responder for interop tests, over UDP and TCP on one port: it parses with
// parseQuery, verifies with verifyRequest and answers `qname SOA` (or, for AXFR over TCP, a multi-message
// transfer whose every third message is left unsigned) signed with TsigSigner; TSIG failures get the
// NOTAUTH answers of RFC 8945 §5.3.2, uninterpretable TSIGs FORMERR. With `tamper`, one byte of the
// answer is changed after signing (in an unsigned intermediate message for AXFR): clients must notice.
import dgram from 'node:dgram';
import net from 'node:net';
import { Rcode, Type } from '../../engine/codec/constants.ts';
import { parseQuery, ParseStatus, Query } from '../../engine/codec/query.ts';
import type { TsigKeyring } from '../../engine/tsig/keys.ts';
import { appendTsigError, TsigSigner, verifyRequest } from '../../engine/tsig/tsig.ts';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { appendAnswer, beginResponse } from './tsig-util.ts';

export interface TsigResponder { port: number; close(): Promise<void> }

/** Messages in an AXFR answer: SOA, A records one per message, SOA. */
export const AXFR_MESSAGES = 8;

function answer(msg: Uint8Array, keyring: TsigKeyring, tcp: boolean, tamper: boolean): Uint8Array[] {
  const q = new Query();
  const status = parseQuery(msg, msg.length, q);
  if (status === ParseStatus.DROP) return [];
  const out = new Uint8Array(4096);
  const now = Date.now() / 1000;
  if (status === ParseStatus.ERROR) return [out.slice(0, beginResponse(msg, q.qnameEnd > 0 ? q.questionEnd : 12, out, q.rcode))];
  const v = q.tsigOffset < 0 ? null : verifyRequest(msg, msg.length, q.tsigOffset, keyring, now);
  const start = beginResponse(msg, q.questionEnd, out);
  if (v === null) return [out.slice(0, appendAnswer(out, start, 'SOA'))];
  if (v.status === 'formerr') return [out.slice(0, beginResponse(msg, q.questionEnd, out, Rcode.FORMERR))];
  if (v.status !== 'ok') return [out.slice(0, appendTsigError(out, start, out.length, v, now))];
  const signer = new TsigSigner(v.key!, v.requestMac);
  if (!(tcp && q.qtype === Type.AXFR)) {
    const len = appendAnswer(out, start, 'SOA');
    const signed = out.slice(0, signer.sign(out, len, out.length, now));
    if (tamper) signed[len - 1] ^= 1; // the SOA minimum TTL
    return [signed];
  }
  const messages: Uint8Array[] = [];
  for (let i = 0; i < AXFR_MESSAGES; i++) {
    const len = appendAnswer(out, beginResponse(msg, q.questionEnd, out), i === 0 || i === AXFR_MESSAGES - 1 ? 'SOA' : i);
    // RFC 8945 §5.3.1: intermediate messages may go unsigned; the next signed one covers them.
    if (i % 3 === 1 && i !== AXFR_MESSAGES - 1) {
      signer.addUnsigned(out, len);
      messages.push(out.slice(0, len));
    } else {
      messages.push(out.slice(0, signer.sign(out, len, out.length, now)));
    }
  }
  if (tamper) messages[1][messages[1].length - 1] ^= 1; // an unsigned message's A record
  return messages;
}

export async function startTsigResponder(keyring: TsigKeyring, tamper = false): Promise<TsigResponder> {
  const port = await freePort();
  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    for (const reply of answer(msg, keyring, false, tamper)) udp.send(reply, rinfo.port, rinfo.address);
  });
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    let pending = Buffer.alloc(0);
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const msg = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + msg.length);
        for (const reply of answer(msg, keyring, true, tamper)) {
          sock.write(Buffer.concat([Buffer.from([reply.length >>> 8, reply.length & 0xff]), reply]));
        }
      }
    });
  });
  await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => tcp.listen(port, '127.0.0.1', resolve));
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      udp.close();
      for (const sock of sockets) sock.destroy();
      tcp.close(() => resolve());
    }),
  };
}
