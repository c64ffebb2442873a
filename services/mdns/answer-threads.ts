// The answering threads of [service:mdns] workers, seen from the main thread: starts them (the first on the
// configured addresses, the others on the ports it got), mirrors every change of the zone table and keyring
// to each, answers what they pass back (transfers, NOTIFY refreshes, logs), and starts a new thread when
// one dies. Zone loads, patches and AXFR rendering stay in the main thread and its compile pool.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { QUERY_STATS_BYTES, QueryStats, QueryStatsView } from '../../engine/answer/query-stats.ts';
import { allocateSharedResponses, ZoneVersions } from '../../engine/answer/shared-response-cache.ts';
import type { HostedZone, ZoneTable, ZoneTableObserver } from '../../engine/answer/zone-table.ts';
import { tsigKeySpec, type TsigKeyring } from '../../engine/tsig/keys.ts';
import type { TransferService } from '../../engine/xfr/service.ts';
import type { Logger } from '../log.ts';
import { formatEndpoint, type Endpoint } from './endpoint.ts';
import {
  C_APPLIED, C_POSTED, C_TCP, COUNTERS, toWire,
  type ControlMessage, type MirrorMessage, type ThreadListenOptions, type ThreadMessage, type ThreadStart,
} from './thread-messages.ts';

const THREAD_URL = new URL('./answer-thread.ts', import.meta.url);
/** A thread that dies sooner than this after starting waits this long before the next try (no crash loop). */
const RESTART_BACKOFF_MS = 1000;
const CLOSE_GRACE_MS = 5000;

interface Slot {
  index: number;
  /** Bumped for each thread started in this slot: marks of an older thread no longer count. */
  generation: number;
  worker: Worker;
  mirror: MessagePort;
  startedAt: number;
  listening: Promise<ThreadMessage & { t: 'listening' }>;
  exited: Promise<void>;
}

export interface AnswerThreadParts {
  zones: ZoneTable;
  keyring: TsigKeyring;
  transfers: TransferService;
}

/** Where every thread stood in the mirror when a snapshot was retired: see `passed`. */
export type MirrorMark = readonly { generation: number; posted: number }[];

export class AnswerThreads implements ZoneTableObserver {
  private readonly slots: Slot[] = [];
  private readonly counters: Int32Array;
  private readonly parts: AnswerThreadParts;
  private readonly options: ThreadListenOptions;
  private readonly log: Logger;
  private bound: Endpoint[] = [];
  private readonly versions = new ZoneVersions();
  private readonly responses: SharedArrayBuffer | null;
  /** What each slot's threads answered, counted by them in shared memory and read here for metrics. */
  readonly stats: QueryStats[];
  private closing = false;

  private constructor(count: number, options: ThreadListenOptions, parts: AnswerThreadParts, log: Logger) {
    this.counters = new Int32Array(new SharedArrayBuffer(count * COUNTERS * 4));
    this.options = options;
    this.parts = parts;
    this.log = log;
    this.responses = options.responseCacheSize > 0 ? allocateSharedResponses(options.responseCacheSize) : null;
    for (const zone of parts.zones) this.versions.assign(zone);
    this.stats = Array.from({ length: count }, () => new QueryStats(new SharedArrayBuffer(QUERY_STATS_BYTES)));
  }

  /** `count` threads listening on `listen`, each answering every zone of `parts.zones` from now on. */
  static async start(count: number, listen: Endpoint[], options: ThreadListenOptions, parts: AnswerThreadParts, log: Logger): Promise<AnswerThreads> {
    const threads = new AnswerThreads(count, options, parts, log);
    parts.zones.observer = threads;
    parts.keyring.onChange = () => threads.post({ t: 'keys', specs: [...parts.keyring].map(tsigKeySpec) });
    try {
      // The first thread settles the ports (port 0 picks one); the others join them.
      const first = await threads.spawn(0, 0, listen).listening;
      threads.bound = first.endpoints.map(({ host, port }) => ({ host, port }));
      for (const e of first.endpoints) log.info({ listen: formatEndpoint(e), udpIo: e.udpIo, udpReceiveBuffer: e.udpReceiveBuffer, threads: count }, 'listening (udp, tcp)');
      await Promise.all(Array.from({ length: count - 1 }, (_, i) => threads.spawn(i + 1, 0, threads.bound).listening));
    } catch (err) {
      await threads.close();
      throw err;
    }
    return threads;
  }

  /** The bound addresses, in the order of `listen`. */
  get endpoints(): Endpoint[] {
    return this.bound;
  }

  /** Requests each slot's threads have handled, answered or dropped (kept across a thread's restart). */
  get answered(): number[] {
    return this.stats.map((s) => new QueryStatsView([s]).requests());
  }

  /** Answers each slot's threads took from the shared response cache. */
  get cacheHits(): number[] {
    return this.stats.map((s) => {
      const v = new QueryStatsView([s]);
      return v.cacheHits(0) + v.cacheHits(1);
    });
  }

  get tcpConnections(): number {
    return this.slots.reduce((sum, s) => sum + Atomics.load(this.counters, s.index * COUNTERS + C_TCP), 0);
  }

  /** Each thread's worker threadId, which changes when a thread is replaced. */
  get threadIds(): number[] {
    return this.slots.map((s) => s.worker.threadId);
  }

  /** Ends thread `index` as if it had crashed: another is started in its place. */
  async terminate(index: number): Promise<void> {
    await this.slots[index].worker.terminate();
  }

  added(zone: HostedZone): void {
    this.versions.assign(zone);
    this.post(this.zoneMessage(zone));
  }

  changed(zone: HostedZone): void {
    this.versions.bump(zone);
    this.post(this.zoneMessage(zone));
  }

  removed(zone: HostedZone): void {
    this.versions.release(zone);
    this.post({ t: 'drop', name: zone.name, generation: this.versions.generation });
  }

  /** Where each thread stands now: a buffer retired now may be written over once `passed` says so. */
  mark(): MirrorMark {
    return this.slots.map((s) => ({ generation: s.generation, posted: Atomics.load(this.counters, s.index * COUNTERS + C_POSTED) }));
  }

  /**
   * Whether every thread has applied what had been posted at `mark`: none can still be answering from a
   * snapshot retired then (a thread applies changes only between requests). A thread started since had
   * only newer snapshots.
   */
  passed(mark: MirrorMark): boolean {
    return mark.every((m, i) => this.slots[i].generation !== m.generation || Atomics.load(this.counters, i * COUNTERS + C_APPLIED) >= m.posted);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.parts.zones.observer = null;
    this.parts.keyring.onChange = null;
    await Promise.all(this.slots.map(async (slot) => {
      slot.worker.postMessage({ t: 'close' } satisfies ControlMessage);
      const timer = setTimeout(() => void slot.worker.terminate(), CLOSE_GRACE_MS);
      await slot.exited;
      clearTimeout(timer);
    }));
  }

  private zoneMessage(zone: HostedZone): MirrorMessage {
    return {
      t: 'zone', name: zone.name, snapshot: zone.snapshot?.buffer ?? null, notifyFrom: zone.notifyFrom,
      cacheSlot: zone.cacheSlot, cacheVersion: zone.cacheVersion, generation: this.versions.generation,
    };
  }

  private post(message: MirrorMessage): void {
    for (const slot of this.slots) this.postTo(slot, message);
  }

  private postTo(slot: Slot, message: MirrorMessage): void {
    slot.mirror.postMessage(message);
    // After the message: a thread that sees the count can take the message at once.
    Atomics.add(this.counters, slot.index * COUNTERS + C_POSTED, 1);
  }

  private spawn(index: number, generation: number, listen: Endpoint[]): Slot {
    const base = index * COUNTERS;
    for (const c of [C_POSTED, C_APPLIED, C_TCP]) Atomics.store(this.counters, base + c, 0);
    const { port1, port2 } = new MessageChannel();
    const start: ThreadStart & { mirror: MessagePort } = {
      index, counters: this.counters.buffer as SharedArrayBuffer, listen, options: this.options, mirror: port2,
      responses: this.responses, versions: this.versions.buffer, stats: this.stats[index].counts.buffer as SharedArrayBuffer,
    };
    const worker = new Worker(THREAD_URL, { workerData: start, transferList: [port2] });
    let listening!: (m: ThreadMessage & { t: 'listening' }) => void;
    let failed!: (err: Error) => void;
    const slot: Slot = {
      index, generation, worker, mirror: port1, startedAt: performance.now(),
      listening: new Promise((resolve, reject) => { listening = resolve; failed = reject; }),
      exited: new Promise((resolve) => worker.once('exit', () => resolve())),
    };
    slot.listening.catch(() => {}); // a restart's failure is logged in `exited`
    this.slots[index] = slot;
    // Everything hosted now, queued before the thread runs: its first catch-up takes it all.
    this.postTo(slot, { t: 'keys', specs: [...this.parts.keyring].map(tsigKeySpec) });
    for (const zone of this.parts.zones) this.postTo(slot, this.zoneMessage(zone));
    let lastError: Error | null = null;
    worker.on('message', (m: ThreadMessage) => {
      if (m.t === 'listening') listening(m);
      else this.heard(slot, m);
    });
    worker.on('error', (err) => {
      lastError = err;
      this.log.error({ thread: index, err: err.message, stack: err.stack }, 'answering thread failed');
    });
    worker.on('exit', (code) => {
      failed(lastError ?? new Error(`answering thread ${index} exited (code ${code}) before listening`));
      if (!this.closing && this.slots[index] === slot) this.restart(slot, code);
    });
    return slot;
  }

  private restart(dead: Slot, code: number): void {
    const quick = performance.now() - dead.startedAt < RESTART_BACKOFF_MS;
    this.log.error({ thread: dead.index, code }, 'answering thread exited: starting another in its place');
    setTimeout(() => {
      if (this.closing) return;
      const slot = this.spawn(dead.index, dead.generation + 1, this.bound);
      slot.listening.then(
        () => this.log.info({ thread: dead.index, threadId: slot.worker.threadId }, 'answering thread restarted'),
        () => {}, // its exit restarts it again, after the backoff
      );
    }, quick ? RESTART_BACKOFF_MS : 0);
  }

  private heard(slot: Slot, m: ThreadMessage): void {
    switch (m.t) {
      case 'log':
        this.log[m.level]({ thread: slot.index, ...m.fields }, m.msg);
        return;
      case 'notify':
        this.parts.zones.get(m.name)?.onNotify?.(m.peer);
        return;
      case 'transfer':
        return this.transfer(slot, m);
      case 'transfer-end':
        this.parts.transfers.finished(m.summary, m.peer, m.stats);
        return;
      case 'transfer-failed':
        this.parts.transfers.failed(m.peer, new Error(m.err));
        return;
      default:
        return;
    }
  }

  /** A transfer request a thread received: answered here, where the journals and AXFR renderings are. */
  private transfer(slot: Slot, m: ThreadMessage & { t: 'transfer' }): void {
    const answer = (reply: ControlMessage) => {
      if (this.slots[slot.index] === slot) slot.worker.postMessage(reply);
    };
    const reply = this.parts.transfers.request(m.msg, m.peer);
    if (reply === null) return answer({ t: 'transfer', id: m.id, reply: null });
    reply.then(
      (r) => answer({ t: 'transfer', id: m.id, reply: toWire(r) }),
      (err: Error) => answer({ t: 'transfer', id: m.id, reply: null, err: err.message }),
    );
  }
}
