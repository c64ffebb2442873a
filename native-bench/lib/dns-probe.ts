// Readiness probing: a server "serves" once it answers an SOA query for the
// zone with NOERROR and an answer. Knot listens before its zone is loaded
// (answering SERVFAIL meanwhile), so an open port alone proves nothing.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { deathMessage, type Server } from './proc.ts';

/** A port free for both TCP and UDP on 127.0.0.1 (servers listen on both). */
export async function freePort(): Promise<number> {
  for (;;) {
    const tcp = createServer();
    await new Promise<void>((resolve, reject) => tcp.once('error', reject).listen(0, '127.0.0.1', resolve));
    const { port } = tcp.address() as { port: number };
    const udp = createSocket('udp4');
    const udpOk = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    udp.close();
    await new Promise((resolve) => tcp.close(resolve));
    if (udpOk) return port;
  }
}

export function soaQuery(id: number, zone: string): Buffer {
  const labels = zone.split('.').filter(Boolean);
  const qname = Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(1, 4); // QDCOUNT; flags 0: no recursion wanted
  const question = Buffer.from([0, 6, 0, 1]); // QTYPE SOA, QCLASS IN
  return Buffer.concat([header, qname, question]);
}

const PROBE_INTERVAL_MS = 25;

/**
 * Sends an SOA query every 25 ms until one is answered, and returns the ms
 * from the server's spawn to that answer. Rejects if the server exits first.
 */
export async function waitUntilServing(server: Server, port: number, zone: string, timeoutMs: number): Promise<number> {
  const sock = createSocket('udp4');
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<number>((resolve, reject) => {
      // The socket is ours alone, so any NOERROR reply with an answer is one.
      sock.on('message', (msg) => {
        if (msg.length < 12) return;
        const flags = msg.readUInt16BE(2);
        if ((flags & 0x8000) !== 0 && (flags & 0x000f) === 0 && msg.readUInt16BE(6) > 0) {
          resolve(performance.now() - server.spawnedAt);
        }
      });
      // A closed port may yield ICMP errors: just keep probing.
      sock.on('error', () => {});
      server.exited.then((status) => reject(new Error(deathMessage(server, status))));
      let id = 0;
      timer = setInterval(() => {
        if (performance.now() - server.spawnedAt > timeoutMs) {
          reject(new Error(`${server.name} did not answer SOA ${zone} within ${timeoutMs} ms`));
        }
        id = (id + 1) & 0xffff;
        sock.send(soaQuery(id, zone), port, '127.0.0.1');
      }, PROBE_INTERVAL_MS);
    });
  } finally {
    clearInterval(timer);
    sock.close();
  }
}
