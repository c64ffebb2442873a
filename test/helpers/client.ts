// Minimal DNS clients over real sockets; dns-packet encodes the well-formed queries and decodes every
// answer, as an independent check of our wire format.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Packet, type Question } from 'dns-packet';

export interface RR {
  name: string;
  type: string;
  class?: string;
  ttl: number;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- dns-packet's per-type shapes
  udpPayloadSize?: number;
  extendedRcode?: number;
  ednsVersion?: number;
  flags?: number;
  flag_do?: boolean;
  options?: { code: number; data: Buffer }[];
}

export interface Decoded {
  id: number;
  flags: number;
  rcode: string;
  opcode: string;
  flag_aa: boolean;
  flag_tc: boolean;
  flag_rd: boolean;
  flag_cd: boolean;
  questions: { name: string; type: string; class: string }[];
  answers: RR[];
  authorities: RR[];
  additionals: RR[];
}

let nextId = 1;

export interface QueryOptions {
  id?: number;
  flags?: number;
  edns?: { udpPayloadSize?: number; flags?: number; version?: number; options?: { code: number; data: Buffer }[] } | false;
  opcode?: number;
}

/** Encodes a query; EDNS (payload 1232) unless edns is false. */
export function query(name: string, type: string, options: QueryOptions = {}): Buffer {
  const edns = options.edns === undefined ? {} : options.edns;
  const packet: Packet = {
    type: 'query',
    id: options.id ?? (nextId++ & 0xffff),
    flags: options.flags ?? dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' } as Question],
    additionals: edns === false ? [] : [{
      type: 'OPT', name: '.', udpPayloadSize: edns.udpPayloadSize ?? 1232, flags: edns.flags ?? 0,
      options: edns.options ?? [],
    } as never],
  };
  const buf = dnsPacket.encode(packet);
  if (edns !== false && edns.version) buf[buf.length - 11 + 6] = edns.version; // OPT TTL byte 1 = version
  if (options.opcode !== undefined) buf[2] = (buf[2] & 0x87) | (options.opcode << 3);
  return buf;
}

export function decode(buf: Buffer): Decoded {
  return dnsPacket.decode(buf) as unknown as Decoded;
}

export function udpExchange(port: number, msg: Uint8Array, timeoutMs = 1000): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => { socket.close(); resolve(null); }, timeoutMs);
    socket.on('message', (reply) => { clearTimeout(timer); socket.close(); resolve(reply); });
    socket.on('error', (err) => { clearTimeout(timer); socket.close(); reject(err); });
    socket.send(msg, port, '127.0.0.1');
  });
}

/**
 * Sends `msg` then a sentinel query on one socket. The server answers in order, so when the sentinel's
 * reply comes first `msg` was dropped: no waiting for a timeout to prove a negative.
 */
export function udpReplyOrDropped(port: number, msg: Uint8Array): Promise<Buffer | null> {
  const sentinelId = 0xfffe;
  const sentinel = query('sentinel.invalid', 'A', { id: sentinelId, edns: false });
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => { socket.close(); reject(new Error('no reply, not even to the sentinel')); }, 2000);
    socket.on('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply.readUInt16BE(0) === sentinelId ? null : reply);
    });
    socket.send(msg, port, '127.0.0.1', () => socket.send(sentinel, port, '127.0.0.1'));
  });
}

export async function udp(port: number, msg: Uint8Array): Promise<Decoded> {
  const reply = await udpExchange(port, msg);
  if (reply === null) throw new Error('no UDP reply');
  return decode(reply);
}

/** Opens a TCP connection and collects framed replies as they arrive. */
export class TcpClient {
  readonly socket: net.Socket;
  readonly replies: Buffer[] = [];
  closed = false;
  private buffered = Buffer.alloc(0);
  private waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 2 && this.buffered.length >= 2 + this.buffered.readUInt16BE(0)) {
        const len = this.buffered.readUInt16BE(0);
        this.replies.push(this.buffered.subarray(2, 2 + len));
        this.buffered = this.buffered.subarray(2 + len);
      }
      this.wake();
    });
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => {});
  }

  /** `from`: the local address to connect from (any 127.x.y.z works on Linux loopback). */
  static connect(port: number, from?: string): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', ...(from ? { localAddress: from } : {}) }, () => resolve(new TcpClient(socket)));
      socket.once('error', reject);
    });
  }

  send(msg: Uint8Array): void {
    const framed = Buffer.alloc(2 + msg.length);
    framed.writeUInt16BE(msg.length, 0);
    framed.set(msg, 2);
    this.socket.write(framed);
  }

  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Resolves once `count` replies have arrived or the connection closed; rejects after the timeout. */
  async waitFor(count: number, timeoutMs = 2000): Promise<Buffer[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length < count && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${this.replies.length} of ${count} TCP replies`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
    return this.replies;
  }

  waitClosed(timeoutMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.socket.once('close', () => { clearTimeout(timer); resolve(true); });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export async function tcp(port: number, msg: Uint8Array): Promise<Decoded> {
  const client = await TcpClient.connect(port);
  try {
    client.send(msg);
    const [reply] = await client.waitFor(1);
    return decode(reply);
  } finally {
    client.close();
  }
}

/** A UDP question to `port`, or null when nothing answers within 300 ms (a server still starting). */
export async function ask(port: number, name: string, type: string): Promise<Decoded | null> {
  const reply = await udpExchange(port, query(name, type), 300);
  return reply === null ? null : decode(reply);
}

/** Sends a transfer request over TCP and collects answers until the response is complete. */
export async function transferAnswers(port: number, msg: Uint8Array): Promise<RR[]> {
  const client = await TcpClient.connect(port);
  client.send(msg);
  let answers: RR[] = [];
  for (let n = 1; !transferComplete(answers); n++) answers = (await client.waitFor(n)).map(decode).flatMap((m) => m.answers);
  client.close();
  return answers;
}

/** A lone SOA; or the current SOA closing the response: its 3rd appearance if incremental, else its 2nd. */
export function transferComplete(answers: RR[]): boolean {
  if (answers.length === 1) return answers[0].type === 'SOA';
  if (answers.length === 0 || answers.at(-1)!.type !== 'SOA') return false;
  const current = answers[0].data.serial;
  const incremental = answers[1].type === 'SOA' && answers[1].data.serial !== current;
  return answers.filter((a) => a.type === 'SOA' && a.data.serial === current).length === (incremental ? 3 : 2);
}
