// Outgoing NOTIFY (RFC 1996) to every secondary of one zone change, run as one pool task. Built for fan-outs
// of thousands: one UDP socket per address family for all targets, a bounded in-flight window, sends in
// bursts between which the event loop reads replies, and one sweeping interval for every retransmission
// instead of a timer per target. Nothing outlives the returned promise (the pool thread blocks between tasks).
import { randomFillSync } from 'node:crypto';
import dgram from 'node:dgram';
import { isIP, SocketAddress } from 'node:net';
import { performance } from 'node:perf_hooks';
import { HEADER_SIZE, Rcode, rcodeToText, tsigErrorToText } from '../codec/constants.ts';
import { buildNotify, matchNotifyResponse, messageId, NOT_A_MATCH, setMessageId, tsigErrorOf, type NotifySoa } from './packet.ts';

export interface NotifyTarget {
  /** An IP literal: NOTIFY goes to addresses (Designate's targets and also_notifies are addresses). */
  host: string;
  port: number;
}

export interface NotifyRequest {
  zone: string;
  soa?: NotifySoa;
  targets: NotifyTarget[];
  /** Retransmissions after the first send; §3.6 suggests at most 5 over UDP, tunable by the operator. */
  retries: number;
  /** Wait for a response to the first send; doubled for each retransmission (§3.6 allows exponential backoff). */
  initialTimeoutMs: number;
  /**
   * TSIG hook (RFC 8945): signs buf[0, len) in place and returns the new length; `capacity` is buf's size.
   * Called for every datagram, since the MAC covers the message ID. A function cannot cross to a pool
   * thread, so only callers of notifyAll in their own thread can pass one.
   */
  sign?: (buf: Uint8Array, len: number, capacity: number) => number;
  /**
   * Set its first Int32 to non-zero to stop: a newer serial of the zone is being announced, and retrying
   * this one could reach a secondary after the newer one did. Shared memory, so it reaches a pool thread.
   */
  superseded?: SharedArrayBuffer;
}

export type NotifyStatus = 'acknowledged' | 'timeout' | 'error' | 'superseded';

export interface NotifyOutcome {
  host: string;
  port: number;
  status: NotifyStatus;
  /** The response's rcode, when a response came. */
  rcode?: string;
  /** The TSIG error the secondary answered with (BADKEY, BADSIG, BADTIME), when it did. */
  tsigError?: string;
  /** Why a target failed without a response: a bad address or port, a send or signing failure. */
  reason?: string;
  attempts: number;
  /** Milliseconds from the start of the fan-out to this target's outcome. */
  ms: number;
}

/** 2^10 times the initial timeout is already hours for any sensible setting. */
export const MAX_RETRIES = 10;

// Sends per event-loop turn: between bursts the loop polls the sockets, so replies are read while a large
// fan-out is still going out.
const BURST = 256;
// Requests awaiting a response. Every outstanding request may come back at once, and the replies must fit
// the receive buffer or the kernel drops them and we pay a full timeout. The kernel charges each small
// datagram its skb truesize (≈832 bytes on loopback, measured), so budget 2 KiB per reply.
const MAX_WINDOW = 4096;
const REPLY_BUDGET = 2048;
// Requested SO_RCVBUF/SO_SNDBUF; Linux caps them at net.core.rmem_max/wmem_max, and the window follows.
const RECEIVE_BUFFER = 8 << 20;
const SEND_BUFFER = 4 << 20;
// The largest TSIG RR: two 255-byte names, 16 fixed bytes, a 64-byte MAC (HMAC-SHA512), 6 bytes of other data.
const TSIG_ROOM = 640;
// The sweep runs ten times per initial timeout: a retransmission goes out at most 10% late.
const MIN_SWEEP_MS = 5;
const MAX_SWEEP_MS = 100;

const PENDING = 0;
const IN_FLIGHT = 1;
const ACKNOWLEDGED = 2;
const TIMED_OUT = 3;
const FAILED = 4;
const SUPERSEDED = 5;
const STATUS_TEXT: NotifyStatus[] = ['error', 'error', 'acknowledged', 'timeout', 'error', 'superseded'];

const V4 = 0;
const V6 = 1;
const NO_FAMILY = 2;

/** Sends `request`'s NOTIFY to every target; resolves when each is acknowledged, failed or out of retries. */
export async function notifyAll(request: NotifyRequest): Promise<NotifyOutcome[]> {
  if (!Number.isInteger(request.retries) || request.retries < 0 || request.retries > MAX_RETRIES) {
    throw new RangeError(`retries must be an integer from 0 to ${MAX_RETRIES}`);
  }
  if (!(request.initialTimeoutMs > 0 && Number.isFinite(request.initialTimeoutMs))) {
    throw new RangeError('initialTimeoutMs must be a positive number');
  }
  return new Fanout(request).run();
}

/**
 * Targets awaiting a response, one FIFO per attempt number. Every send of attempt k waits the same
 * timeout, so each FIFO is in deadline order and a sweep looks only at heads. A target enters each FIFO
 * at most once, so n slots per level suffice; an answered target is skipped at the head, not removed.
 */
class RetryQueues {
  private readonly slots: Int32Array[];
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;

  constructor(levels: number, n: number) {
    this.slots = Array.from({ length: levels }, () => new Int32Array(n));
    this.heads = new Int32Array(levels);
    this.tails = new Int32Array(levels);
  }

  push(level: number, target: number): void {
    this.slots[level][this.tails[level]++] = target;
  }

  /** The oldest target at `level`, or -1. */
  peek(level: number): number {
    return this.heads[level] < this.tails[level] ? this.slots[level][this.heads[level]] : -1;
  }

  shift(level: number): void {
    this.heads[level]++;
  }
}

/** Unpredictable message IDs, so that an off-path forger cannot end our retransmissions by guessing. */
class RandomIds {
  private readonly pool = new Uint16Array(1024);
  private index = this.pool.length;

  next(): number {
    if (this.index === this.pool.length) {
      randomFillSync(this.pool);
      this.index = 0;
    }
    return this.pool[this.index++];
  }
}

/** Targets are IP literals: skip dns.lookup, which would defer every send by a process.nextTick. */
function literalLookup(address: string, _family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

class Fanout {
  private readonly request: NotifyRequest;
  private readonly template: Buffer;
  private readonly n: number;
  private readonly timeouts: Float64Array; // per attempt: initialTimeoutMs · 2^attempt
  // Per target, struct-of-arrays: 10,000 targets are a few typed arrays, not 10,000 objects.
  private readonly hosts: string[]; // canonical form, as rinfo.address reports it
  private readonly ports: Int32Array;
  private readonly families: Uint8Array;
  private readonly state: Uint8Array;
  private readonly attempts: Uint8Array;
  private readonly ids: Uint16Array;
  private readonly sentAt: Float64Array;
  private readonly finishedAt: Float64Array;
  private readonly rcodes: Int8Array;
  private readonly reasons = new Map<number, string>();
  private readonly tsigErrors = new Map<number, number>();
  // In-flight IDs are unique across both families, so an ID finds its target in O(1); the address and
  // port are then checked too (§3.6), which keeps matching exact even with more than 65536 targets.
  private readonly byId = new Int32Array(0x10000).fill(-1);
  private readonly randomIds = new RandomIds();
  private readonly retry: RetryQueues;
  private readonly sockets: (dgram.Socket | null)[] = [null, null];
  private readonly superseded: Int32Array | null;
  private readonly allDone = Promise.withResolvers<void>();
  private window = 0;
  private next = 0;
  private inFlight = 0;
  private finished = 0;
  private started = 0;
  private pumpHandle: NodeJS.Immediate | null = null;
  private sweepHandle: NodeJS.Immediate | null = null;

  constructor(request: NotifyRequest) {
    this.request = request;
    this.template = buildNotify(request.zone, request.soa);
    const n = (this.n = request.targets.length);
    this.timeouts = Float64Array.from({ length: request.retries + 1 }, (_, k) => request.initialTimeoutMs * 2 ** k);
    this.hosts = new Array<string>(n);
    this.ports = new Int32Array(n);
    this.families = new Uint8Array(n);
    this.state = new Uint8Array(n);
    this.attempts = new Uint8Array(n);
    this.ids = new Uint16Array(n);
    this.sentAt = new Float64Array(n);
    this.finishedAt = new Float64Array(n);
    this.rcodes = new Int8Array(n).fill(-1);
    this.retry = new RetryQueues(request.retries + 1, n);
    this.superseded = request.superseded === undefined ? null : new Int32Array(request.superseded, 0, 1);
  }

  async run(): Promise<NotifyOutcome[]> {
    this.started = performance.now();
    this.readTargets();
    const sweeper = setInterval(this.sweep, Math.min(MAX_SWEEP_MS, Math.max(MIN_SWEEP_MS, this.request.initialTimeoutMs / 10)));
    try {
      await Promise.all([this.open(V4), this.open(V6)]);
      this.window = this.windowSize();
      this.pump();
      await this.allDone.promise;
    } finally {
      clearInterval(sweeper);
      if (this.pumpHandle !== null) clearImmediate(this.pumpHandle);
      if (this.sweepHandle !== null) clearImmediate(this.sweepHandle);
      await Promise.all(this.sockets.map((socket) => socket && new Promise<void>((resolve) => socket.close(() => resolve()))));
    }
    return this.outcomes();
  }

  /** Canonical addresses and families; a target without an IP literal or a valid port fails at once. */
  private readTargets(): void {
    if (this.n === 0) this.allDone.resolve();
    this.request.targets.forEach(({ host, port }, t) => {
      const version = isIP(host);
      this.ports[t] = port;
      this.families[t] = version === 4 ? V4 : version === 6 ? V6 : NO_FAMILY;
      // rinfo.address is the compressed form: '0:0::1' must compare as '::1'.
      this.hosts[t] = version === 6 ? new SocketAddress({ address: host, family: 'ipv6' }).address : host;
      if (version === 0) this.finish(t, FAILED, -1, 'not an IP address');
      else if (!Number.isInteger(port) || port < 1 || port > 0xffff) this.finish(t, FAILED, -1, 'bad port');
    });
  }

  /** Binds the family's socket when a pending target needs it; if it cannot, those targets fail. */
  private async open(family: number): Promise<void> {
    if (!this.families.some((f, t) => f === family && this.state[t] === PENDING)) return;
    const v6 = family === V6;
    const socket = dgram.createSocket({
      type: v6 ? 'udp6' : 'udp4', ipv6Only: v6, lookup: literalLookup,
      recvBufferSize: RECEIVE_BUFFER, sendBufferSize: SEND_BUFFER,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, v6 ? '::' : '0.0.0.0', () => { socket.off('error', reject); resolve(); });
      });
    } catch (err) {
      socket.close();
      for (let t = 0; t < this.n; t++) {
        if (this.families[t] === family && this.state[t] === PENDING) this.finish(t, FAILED, -1, `bind: ${(err as NodeJS.ErrnoException).code ?? err}`);
      }
      return;
    }
    socket.on('message', (msg, rinfo) => this.receive(msg, rinfo));
    socket.on('error', (err) => this.allDone.reject(err));
    this.sockets[family] = socket;
  }

  /** The in-flight cap: every outstanding reply must fit the smallest receive buffer. */
  private windowSize(): number {
    let window = MAX_WINDOW;
    for (const socket of this.sockets) if (socket) window = Math.min(window, Math.floor(socket.getRecvBufferSize() / REPLY_BUDGET));
    return Math.max(1, window);
  }

  /** Starts up to BURST new targets while the window has room; continues on a later turn. */
  private readonly pump = (): void => {
    this.pumpHandle = null;
    for (let budget = BURST; budget > 0 && this.inFlight < this.window && this.next < this.n; ) {
      const t = this.next++;
      if (this.state[t] !== PENDING) continue;
      this.start(t);
      budget--;
    }
    this.schedulePump();
  };

  /** A later turn of pump(), when targets wait and the window has room (none before the sockets are open). */
  private schedulePump(): void {
    if (this.pumpHandle === null && this.next < this.n && this.inFlight < this.window) this.pumpHandle = setImmediate(this.pump);
  }

  private start(t: number): void {
    let id: number;
    do id = this.randomIds.next(); while (this.byId[id] >= 0);
    this.byId[id] = t;
    this.ids[t] = id;
    this.state[t] = IN_FLIGHT;
    this.inFlight++;
    this.transmit(t);
  }

  /** One attempt: a fresh datagram (the socket may still hold the last one), signed when asked. */
  private transmit(t: number): void {
    const attempt = this.attempts[t]++;
    this.sentAt[t] = performance.now();
    this.retry.push(attempt, t);
    const sign = this.request.sign;
    const buf = Buffer.allocUnsafe(this.template.length + (sign ? TSIG_ROOM : 0));
    this.template.copy(buf);
    setMessageId(buf, this.ids[t]);
    let len = this.template.length;
    if (sign) {
      try {
        len = sign(buf, len, buf.length);
      } catch (err) {
        return this.finish(t, FAILED, -1, `sign: ${(err as Error).message}`);
      }
    }
    this.sockets[this.families[t]]!.send(buf, 0, len, this.ports[t], this.hosts[t], (err) => {
      if (err && this.state[t] === IN_FLIGHT) this.finish(t, FAILED, -1, `send: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
    });
  }

  /** §3.6: only a response from the target's address and port, with its ID and question, counts. */
  private receive(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (msg.length < HEADER_SIZE) return;
    const t = this.byId[messageId(msg)];
    if (t < 0 || rinfo.port !== this.ports[t] || rinfo.address !== this.hosts[t]) return;
    const rcode = matchNotifyResponse(msg, msg.length, this.ids[t], this.template);
    if (rcode === NOT_A_MATCH) return;
    // Any error rcode is final: NOTAUTH (a key the secondary does not know or a bad MAC) or REFUSED will
    // not change on a retry, and §3.12 makes NOTIMP the end of the transaction for that secondary.
    if (rcode === Rcode.NOTAUTH) {
      const tsigError = tsigErrorOf(msg, msg.length);
      if (tsigError !== 0) this.tsigErrors.set(t, tsigError);
    }
    this.finish(t, rcode === Rcode.NOERROR ? ACKNOWLEDGED : FAILED, rcode);
  }

  /**
   * Retransmits the requests whose attempt timed out, or gives up on them after the last attempt. At most
   * BURST datagrams per turn, like pump(): a whole window timing out together must not stall the loop.
   */
  private readonly sweep = (): void => {
    if (this.sweepHandle !== null) clearImmediate(this.sweepHandle);
    this.sweepHandle = null;
    if (this.superseded !== null && Atomics.load(this.superseded, 0) !== 0) return this.supersede();
    const now = performance.now();
    const last = this.request.retries;
    let budget = BURST;
    for (let level = 0; level <= last; level++) {
      for (let t = this.retry.peek(level); t >= 0 && budget > 0; t = this.retry.peek(level)) {
        if (this.state[t] === IN_FLIGHT && this.sentAt[t] + this.timeouts[level] > now) break;
        this.retry.shift(level);
        if (this.state[t] !== IN_FLIGHT) continue;
        if (level === last) {
          this.finish(t, TIMED_OUT);
        } else {
          this.transmit(t);
          budget--;
        }
      }
    }
    if (budget === 0) this.sweepHandle = setImmediate(this.sweep);
  };

  /** Every target not yet answered stops here, nothing more is sent. */
  private supersede(): void {
    this.next = this.n;
    for (let t = 0; t < this.n; t++) if (this.state[t] === PENDING || this.state[t] === IN_FLIGHT) this.finish(t, SUPERSEDED);
  }

  private finish(t: number, status: number, rcode = -1, reason?: string): void {
    if (this.state[t] === IN_FLIGHT) {
      this.byId[this.ids[t]] = -1;
      this.inFlight--;
    }
    this.state[t] = status;
    this.finishedAt[t] = performance.now() - this.started;
    this.rcodes[t] = rcode;
    if (reason !== undefined) this.reasons.set(t, reason);
    if (++this.finished === this.n) this.allDone.resolve();
    else this.schedulePump();
  }

  private outcomes(): NotifyOutcome[] {
    return this.request.targets.map(({ host, port }, t) => {
      const outcome: NotifyOutcome = {
        host, port, status: STATUS_TEXT[this.state[t]], attempts: this.attempts[t], ms: Math.round(this.finishedAt[t] * 10) / 10,
      };
      if (this.rcodes[t] >= 0) outcome.rcode = rcodeToText(this.rcodes[t]);
      const tsigError = this.tsigErrors.get(t);
      if (tsigError !== undefined) outcome.tsigError = tsigErrorToText(tsigError);
      const reason = this.reasons.get(t);
      if (reason !== undefined) outcome.reason = reason;
      return outcome;
    });
  }
}
