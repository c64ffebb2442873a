// One answering thread ([service:mdns] workers): UDP and TCP sockets of its own on every listen address
// (SO_REUSEPORT, the kernel spreading peers over the threads) and a query handler of its own, over a mirror
// of the main thread's zone table whose snapshots are the same shared memory, and a response cache in
// shared memory that every thread reads and fills.
//
// The mirror is exact at every request: the main thread posts each change, then bumps this thread's
// `posted` counter; before answering, the thread compares it with what it has applied and drains the port
// synchronously (receiveMessageOnPort) when it is behind. A change the main thread has made is therefore
// seen by every thread's next answer, and a NOTIFY sent after it can never meet an older serial.
// Transfers and NOTIFY's side effects belong to the main thread: a transfer request is passed there and its
// messages (an AXFR image in shared memory, or a rendered list) are streamed from here.
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { QueryHandler } from '../../engine/answer/handler.ts';
import { QueryStats } from '../../engine/answer/query-stats.ts';
import type { PeerSource } from '../../engine/answer/peer.ts';
import { SharedResponseCache } from '../../engine/answer/shared-response-cache.ts';
import { HostedZone, ZoneTable } from '../../engine/answer/zone-table.ts';
import { Query, parseQuery } from '../../engine/codec/query.ts';
import { openDnsListeners } from '../../engine/net/dns-listeners.ts';
import { refusalReporter, type TcpListener } from '../../engine/net/tcp-listener.ts';
import type { UdpBatchListener } from '../../engine/net/udp-batch.ts';
import type { UdpListener } from '../../engine/net/udp-listener.ts';
import { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import { parseTsigKeySpec, TsigKeyring } from '../../engine/tsig/keys.ts';
import { isTransferRequest, openStream, type TransferReply, type TransferRequests, type TransferStats, type TransferSummary } from '../../engine/xfr/service.ts';
import {
  C_APPLIED, C_POSTED, C_TCP, COUNTERS, planFromWire,
  type ControlMessage, type MirrorMessage, type ThreadMessage, type ThreadStart,
} from './thread-messages.ts';

const start = workerData as ThreadStart & { mirror: MessagePort };
const main = parentPort!;
const counters = new Int32Array(start.counters);
const base = start.index * COUNTERS;
const say = (message: ThreadMessage) => main.postMessage(message);
const log = (level: 'debug' | 'info' | 'warn' | 'error', fields: Record<string, unknown>, msg: string) => say({ t: 'log', level, fields, msg });

/** The main thread's zones and keys, as of the last mirror message applied. */
class Mirror {
  readonly zones = new ZoneTable();
  readonly keyring = new TsigKeyring();
  /** The response cache all threads share; entries are stored under this mirror's zone versions. */
  readonly cache = start.responses === null ? null : new SharedResponseCache(start.responses, start.versions);
  private applied = 0;
  private readonly port: MessagePort;

  constructor(port: MessagePort) {
    this.port = port;
    // A quiet thread still takes changes as they come, so old snapshots are not kept alive by its queue.
    port.on('message', (m: MirrorMessage) => this.apply(m));
  }

  /** Applies whatever the main thread has posted and this thread has not yet seen. */
  catchUp(): void {
    if (Atomics.load(counters, base + C_POSTED) === this.applied) return;
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) this.apply(m.message as MirrorMessage);
  }

  close(): void {
    this.port.close();
  }

  private apply(m: MirrorMessage): void {
    if (m.t === 'keys') this.useKeys(m.specs);
    else if (m.t === 'drop') {
      const zone = this.zones.get(m.name);
      if (zone !== null) this.zones.remove(zone);
      if (this.cache !== null) this.cache.generation = m.generation;
    } else {
      let zone = this.zones.get(m.name);
      if (zone === null) {
        zone = new HostedZone(m.name);
        this.zones.add(zone);
      }
      // The same memory keeps the same view, so cached answers built on it stay valid.
      if (m.snapshot !== zone.snapshot?.buffer) zone.snapshot = m.snapshot === null ? null : new ZoneSnapshot(m.snapshot);
      zone.cacheSlot = m.cacheSlot;
      zone.cacheVersion = m.cacheVersion;
      if (this.cache !== null) this.cache.generation = m.generation;
      zone.notifyFrom = m.notifyFrom;
      const hosted = zone;
      // As the main thread's secondary answers (services/mdns/secondary.ts); the refresh runs there.
      zone.onNotify = m.notifyFrom === null ? null : (peer) => {
        say({ t: 'notify', name: hosted.name, peer });
        return hosted.acceptsNotifyFrom(peer);
      };
    }
    Atomics.store(counters, base + C_APPLIED, ++this.applied);
  }

  private useKeys(specs: string[]): void {
    for (const key of [...this.keyring]) this.keyring.remove(key.name);
    for (const spec of specs) this.keyring.add(parseTsigKeySpec(spec));
  }
}

/** The query handler behind the mirror: caught up before each request, and counting what it answers. */
class MirroredHandler extends QueryHandler {
  private readonly mirror: Mirror;

  constructor(mirror: Mirror) {
    super(mirror.zones, {
      ...start.options, keyring: mirror.keyring, stats: new QueryStats(start.stats), ...(mirror.cache === null ? {} : { cache: mirror.cache }),
    });
    this.mirror = mirror;
  }

  override handle(msg: Uint8Array, tcp: boolean, peer: PeerSource): Buffer | null {
    this.mirror.catchUp();
    return super.handle(msg, tcp, peer);
  }
}

/** Transfer requests answered by the main thread's TransferService, streamed from this thread's socket. */
class DelegatedTransfers implements TransferRequests {
  private readonly q = new Query();
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (r: TransferReply) => void; reject: (err: Error) => void }>();

  request(msg: Uint8Array, peer: string): Promise<TransferReply> | null {
    if (!isTransferRequest(parseQuery(msg, msg.length, this.q), this.q)) return null;
    const id = this.next++;
    say({ t: 'transfer', id, msg: Uint8Array.prototype.slice.call(msg), peer });
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  answered(m: ControlMessage & { t: 'transfer' }): void {
    const waiter = this.waiting.get(m.id);
    if (waiter === undefined) return;
    this.waiting.delete(m.id);
    const reply = m.reply;
    if (reply === null) return waiter.reject(new Error(m.err ?? 'not a transfer request'));
    if (reply.kind === 'message') return waiter.resolve({ kind: 'message', message: Buffer.from(reply.message) });
    const plan = planFromWire(reply);
    waiter.resolve({ kind: 'stream', stream: openStream(plan), plan, zone: reply.zone, serial: reply.serial, style: reply.style });
  }

  finished(reply: TransferSummary, peer: string, stats: TransferStats): void {
    say({ t: 'transfer-end', summary: { zone: reply.zone, serial: reply.serial, style: reply.style }, peer, stats });
  }

  failed(peer: string, err: Error): void {
    say({ t: 'transfer-failed', peer, err: err.message });
  }
}

const mirror = new Mirror(start.mirror);
mirror.catchUp(); // the zones and keys as they are now, before the first socket opens
const handler = new MirroredHandler(mirror);
const transfers = new DelegatedTransfers();
const udp: (UdpListener | UdpBatchListener)[] = [];
const tcp: TcpListener[] = [];
let errorsLogged = 0;
const onError = (err: Error) => {
  if (errorsLogged++ < 100) log('error', { err: err.message, stack: err.stack }, 'request failed');
};
const tcpCounts: number[] = [];
const countTcp = () => Atomics.store(counters, base + C_TCP, tcpCounts.reduce((a, b) => a + b, 0));

async function listen(host: string, port: number): Promise<void> {
  const o = start.options;
  const slot = tcp.length;
  tcpCounts[slot] = 0;
  const opened = await openDnsListeners(handler, host, port, o.udpIo, { receiveBufferSize: o.udpReceiveBuffer, reusePort: true, onError }, {
    idleTimeout: o.tcpIdleTimeout, messageTimeout: o.tcpMessageTimeout, maxConnections: o.tcpMaxConnections,
    reusePort: true, transfers, onError, onConnections: (n) => { tcpCounts[slot] = n; countTcp(); },
    maxConnectionsPerSource: o.tcpMaxConnectionsPerSource,
    onRefused: refusalReporter((fields, msg) => log('warn', fields as Record<string, unknown>, msg), o.tcpMaxConnectionsPerSource),
  });
  udp.push(opened.udp);
  tcp.push(opened.tcp);
}

async function close(): Promise<void> {
  await Promise.all([...udp.map((u) => u.close()), ...tcp.map((t) => t.close())]);
  mirror.close();
  say({ t: 'closed' });
  main.close();
}

main.on('message', (m: ControlMessage) => {
  if (m.t === 'transfer') transfers.answered(m);
  else if (m.t === 'close') void close();
});

for (const endpoint of start.listen) await listen(endpoint.host, endpoint.port);
say({
  t: 'listening',
  endpoints: udp.map((u) => ({ host: u.address.address, port: u.address.port, udpIo: u.io, udpReceiveBuffer: u.receiveBufferSize })),
});
