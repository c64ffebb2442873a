// A zone transfer as a secondary sees it: time to the first message and to the last, bytes and records, over
// one TCP connection, with messages decoded only as far as counting their records and the SOAs that close
// the transfer (RFC 5936 §2.2: it ends with the SOA it began with; an IXFR's increments carry more SOAs).
import { createConnection } from 'node:net';
import dnsPacket from 'dns-packet';

export interface TransferTiming {
  firstMessageMs: number;
  totalMs: number;
  bytes: number;
  messages: number;
  records: number;
  /** 'AXFR-style' when an IXFR was answered with the whole zone. */
  style: 'AXFR' | 'IXFR' | 'AXFR-style';
}

/** AXFR, or IXFR from `serial`, of `zone` from 127.0.0.1:`port`. */
export function timeTransfer(port: number, zone: string, serial: number | null = null, timeoutMs = 120_000): Promise<TransferTiming> {
  const request = dnsPacket.streamEncode({
    type: 'query', id: 4242, flags: 0, questions: [{ name: zone, type: serial === null ? 'AXFR' : 'IXFR', class: 'IN' }],
    authorities: serial === null ? [] : [{ name: zone, type: 'SOA', ttl: 0, data: { mname: '.', rname: '.', serial, refresh: 0, retry: 0, expire: 0, minimum: 0 } }],
  });
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = createConnection(port, '127.0.0.1', () => socket.write(request));
    const timer = setTimeout(() => fail(new Error(`${zone}: transfer not done within ${timeoutMs} ms`)), timeoutMs);
    let pending: Buffer = Buffer.alloc(0);
    let firstMessageMs = -1;
    let bytes = 0;
    let messages = 0;
    let records = 0;
    let firstSerial = -1;
    let closingSoas = 0;
    let incremental = false;
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.on('error', fail);
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const msg = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + msg.length);
        if (firstMessageMs < 0) firstMessageMs = performance.now() - started;
        messages++;
        if ((msg[3] & 0xf) !== 0) return fail(new Error(`${zone}: rcode ${msg[3] & 0xf}`));
        const decoded = dnsPacket.decode(msg);
        for (const rr of decoded.answers ?? []) {
          records++;
          if (rr.type !== 'SOA') continue;
          const s = (rr.data as { serial: number }).serial;
          if (firstSerial < 0) firstSerial = s;
          else if (records === 2 && s !== firstSerial) incremental = true;
          if (s === firstSerial) closingSoas++;
        }
        // A lone SOA (the client is current), or the first SOA seen again: twice for AXFR, three times for IXFR.
        const lone = serial !== null && messages === 1 && records === 1;
        const done = lone || closingSoas === (incremental ? 3 : 2);
        if (!done) continue;
        clearTimeout(timer);
        socket.destroy();
        const style = serial === null ? 'AXFR' : incremental ? 'IXFR' : 'AXFR-style';
        resolve({ firstMessageMs, totalMs: performance.now() - started, bytes, messages, records, style });
        return;
      }
    });
  });
}
