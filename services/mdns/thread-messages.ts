// What the main thread and the answering threads (answer-threads.ts, answer-thread.ts) say to each other,
// and the shared counters beside the messages. Zone snapshots and AXFR images travel as their
// SharedArrayBuffers, so a thread reads the same memory as every other thread: nothing of a zone is copied.
import type { Endpoint } from './endpoint.ts';
import type { MdnsOptions } from './server.ts';
import { MessageList } from '../../engine/xfr/transfer-stream.ts';
import { AxfrImage } from '../../engine/xfr/axfr-image.ts';
import type { StreamPlan, TransferReply, TransferStats, TransferSummary } from '../../engine/xfr/service.ts';
import { parseTsigKeySpec, tsigKeySpec } from '../../engine/tsig/keys.ts';

/**
 * Int32 counters per thread in one SharedArrayBuffer, at `index * COUNTERS`: mirror messages posted to the
 * thread (written by main), applied by it and its open TCP connections (written by the thread). What it
 * answered is counted in its QueryStats (`ThreadStart.stats`).
 */
// 16 words apart: each thread's counters on a cache line of their own, so threads do not slow each other.
export const COUNTERS = 16;
export const C_POSTED = 0;
export const C_APPLIED = 1;
export const C_TCP = 2;

/** The listening half of MdnsOptions: what a thread needs to open its sockets and answer. */
export type ThreadListenOptions = Pick<MdnsOptions,
  'udpPayloadSize' | 'udpReceiveBuffer' | 'udpIo' | 'tcpIdleTimeout' | 'tcpMessageTimeout' | 'tcpMaxConnections' | 'tcpMaxConnectionsPerSource' |
  'responseCacheSize'>;

export interface ThreadStart {
  index: number;
  counters: SharedArrayBuffer;
  /** Addresses to bind; port 0 only for the first thread, whose ports the others then share. */
  listen: Endpoint[];
  options: ThreadListenOptions;
  /** The response cache every thread shares (null: none), and the zone versions its entries are checked against. */
  responses: SharedArrayBuffer | null;
  versions: SharedArrayBuffer;
  /** This slot's QueryStats, kept across the slot's restarts so that its counts never go back. */
  stats: SharedArrayBuffer;
}

/** Main to thread, on the mirror port, in the order the zone table changed. */
export type MirrorMessage =
  | {
    t: 'zone'; name: Uint8Array; snapshot: SharedArrayBuffer | null; notifyFrom: readonly string[] | null;
    /** The zone's place and version in the shared cache's ZoneVersions, and the zone set's generation. */
    cacheSlot: number; cacheVersion: number; generation: number;
  }
  | { t: 'drop'; name: Uint8Array; generation: number }
  | { t: 'keys'; specs: string[] };

/** A transfer reply in terms that cross threads: the plan's key as its spec, its source as memory. */
export type WireTransferReply =
  | { kind: 'message'; message: Uint8Array }
  | {
    kind: 'stream'; zone: string; serial: number; style: 'axfr' | 'ixfr' | 'soa'; id: number; question: Uint8Array;
    source: { image: SharedArrayBuffer } | { messages: readonly Uint8Array[] };
    tsig: { key: string; requestMac: Uint8Array | null } | null;
  };

/** Thread to main, on the worker's own channel. */
export type ThreadMessage =
  | { t: 'listening'; endpoints: { host: string; port: number; udpIo: string; udpReceiveBuffer: number }[] }
  | { t: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; fields: Record<string, unknown>; msg: string }
  | { t: 'notify'; name: Uint8Array; peer: string }
  | { t: 'transfer'; id: number; msg: Uint8Array; peer: string }
  | { t: 'transfer-end'; summary: TransferSummary; peer: string; stats: TransferStats }
  | { t: 'transfer-failed'; peer: string; err: string }
  | { t: 'closed' };

/** Main to thread, on the worker's own channel. */
export type ControlMessage =
  | { t: 'transfer'; id: number; reply: WireTransferReply | null; err?: string }
  | { t: 'close' };

export function toWire(reply: TransferReply): WireTransferReply {
  if (reply.kind === 'message') return reply;
  const { plan } = reply;
  if (!(plan.source instanceof AxfrImage || plan.source instanceof MessageList)) throw new Error('a streamed AXFR is sent by the thread reading its zone');
  return {
    kind: 'stream', zone: reply.zone, serial: reply.serial, style: reply.style, id: plan.id, question: plan.question,
    source: plan.source instanceof AxfrImage ? { image: plan.source.buffer } : { messages: plan.source.messages },
    tsig: plan.tsig === null ? null : { key: tsigKeySpec(plan.tsig.key), requestMac: plan.tsig.requestMac },
  };
}

/** The plan a wire reply describes, over the same AXFR image memory the main thread renders into. */
export function planFromWire(reply: WireTransferReply & { kind: 'stream' }): StreamPlan {
  const source = 'image' in reply.source ? new AxfrImage(reply.source.image) : new MessageList(reply.source.messages);
  const tsig = reply.tsig === null ? null : {
    key: parseTsigKeySpec(reply.tsig.key),
    requestMac: reply.tsig.requestMac === null ? null : Buffer.from(reply.tsig.requestMac),
  };
  return { source, id: reply.id, question: reply.question, tsig };
}
