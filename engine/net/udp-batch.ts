// DNS over UDP through the udp_batch addon (native/udp_batch.c): the addon receives up to a batch of
// datagrams with one recvmmsg, calls onBatch once, and sends every reply with one sendmmsg. Same surface
// as UdpListener; answers come from the same QueryHandler, synchronously on this thread.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { QueryHandler } from '../answer/handler.ts';
import type { PeerSource } from '../answer/peer.ts';
import type { UdpListenerOptions } from './udp-listener.ts';

/** The object open() returns; opaque to JS. */
type Handle = object;

interface SharedBuffers {
  /** `batch` slots of `slot` bytes: datagram i starts at i * slot. */
  input: ArrayBuffer;
  /** Replies, packed as JS writes them. */
  output: ArrayBuffer;
  /** Int32 × 3·batch: received lengths, then reply offsets, then reply lengths (0 = no reply). */
  meta: ArrayBuffer;
  batch: number;
  slot: number;
}

interface UdpBatchAddon {
  open(host: string, port: number, ipv6: boolean, recvBufferBytes: number, reusePort: boolean): Handle;
  start(handle: Handle, onBatch: (count: number) => void, onError: (err: Error) => void): SharedBuffers;
  address(handle: Handle): { address: string; family: string; port: number };
  /** Source address of datagram i of the batch being handled; valid only during onBatch. */
  peer(handle: Handle, i: number): string;
  receiveBufferSize(handle: Handle): number;
  close(handle: Handle): void;
}

export const ADDON_PATH = fileURLToPath(new URL('../../build/Release/udp_batch.node', import.meta.url));

function load(): { addon: UdpBatchAddon | null; error: string | null } {
  try {
    return { addon: createRequire(import.meta.url)(ADDON_PATH) as UdpBatchAddon, error: null };
  } catch (err) {
    return { addon: null, error: (err as Error).message.split('\n')[0] }; // not the require stack
  }
}

const loaded = load();
/** Why the addon could not be loaded (not built: `npm install` builds it), or null when it is available. */
export const udpBatchUnavailable: string | null = loaded.error;

/** Batch sizes seen by one listener, for the debug log: count of batches by size bucket (1, 2-3, 4-7, ...). */
export interface BatchStats {
  batches: number;
  datagrams: number;
  /** `sizes[k]` counts batches of 2^k ... 2^(k+1) - 1 datagrams. */
  sizes: number[];
}

/** The peer of the datagram being answered, asked of the addon only when an answer needs it. */
class BatchPeer implements PeerSource {
  index = 0;
  private readonly addon: UdpBatchAddon;
  private readonly handle: Handle;

  constructor(addon: UdpBatchAddon, handle: Handle) {
    this.addon = addon;
    this.handle = handle;
  }

  address(): string {
    return this.addon.peer(this.handle, this.index);
  }
}

export class UdpBatchListener {
  readonly io = 'batched';
  private readonly addon: UdpBatchAddon;
  private readonly handle: Handle;
  private readonly handler: QueryHandler;
  private readonly onError: (err: Error) => void;
  private readonly slot: number;
  private readonly input: Uint8Array;
  private readonly output: Uint8Array;
  private readonly received: Int32Array;
  private readonly offsets: Int32Array;
  private readonly replies: Int32Array;
  private readonly sizes: Uint32Array;
  private batches = 0;
  private datagrams = 0;
  private readonly peer: BatchPeer;

  private constructor(addon: UdpBatchAddon, handle: Handle, handler: QueryHandler, onError: (err: Error) => void, shared: SharedBuffers) {
    this.addon = addon;
    this.handle = handle;
    this.handler = handler;
    this.onError = onError;
    this.peer = new BatchPeer(addon, handle);
    this.slot = shared.slot;
    this.input = new Uint8Array(shared.input);
    this.output = new Uint8Array(shared.output);
    const meta = new Int32Array(shared.meta);
    this.received = meta.subarray(0, shared.batch);
    this.offsets = meta.subarray(shared.batch, 2 * shared.batch);
    this.replies = meta.subarray(2 * shared.batch);
    this.sizes = new Uint32Array(32 - Math.clz32(shared.batch));
  }

  static async open(handler: QueryHandler, options: UdpListenerOptions): Promise<UdpBatchListener> {
    const addon = loaded.addon;
    if (addon === null) throw new Error(`batched UDP is not available: ${udpBatchUnavailable}`);
    const handle = addon.open(options.host, options.port, options.host.includes(':'), options.receiveBufferSize, options.reusePort === true);
    try {
      // The addon calls onBatch only from the event loop, by which time `listener` is set.
      let listener: UdpBatchListener | undefined;
      const shared = addon.start(handle, (count) => listener!.answer(count), options.onError);
      listener = new UdpBatchListener(addon, handle, handler, options.onError, shared);
      return listener;
    } catch (err) {
      addon.close(handle);
      throw err;
    }
  }

  /**
   * Answers datagrams 0..count-1 of the batch, packing the replies into the output buffer. Each request is
   * a Uint8Array view of its input slot: the handler reads it synchronously, and the response cache copies
   * what it keeps (Uint8Array#slice copies, where Buffer#slice would keep a view of memory that the next
   * batch overwrites).
   */
  private answer(count: number): void {
    const { input, output, received, offsets, replies, slot } = this;
    let pos = 0;
    for (let i = 0; i < count; i++) {
      const start = i * slot;
      let len = 0;
      try {
        this.peer.index = i;
        const out = this.handler.handle(input.subarray(start, start + received[i]), false, this.peer);
        if (out !== null) {
          output.set(out, pos);
          len = out.length;
        }
      } catch (err) {
        this.onError(err as Error);
      }
      offsets[i] = pos;
      replies[i] = len;
      pos += len;
    }
    this.count(count);
  }

  private count(size: number): void {
    this.batches++;
    this.datagrams += size;
    this.sizes[31 - Math.clz32(size)]++;
  }

  get stats(): BatchStats {
    return { batches: this.batches, datagrams: this.datagrams, sizes: [...this.sizes] };
  }

  get address(): { address: string; port: number } {
    return this.addon.address(this.handle);
  }

  /** SO_RCVBUF as granted: the kernel caps it at net.core.rmem_max. */
  get receiveBufferSize(): number {
    return this.addon.receiveBufferSize(this.handle);
  }

  /** The port is free once this returns: the fd is closed synchronously. */
  close(): Promise<void> {
    this.addon.close(this.handle);
    return Promise.resolve();
  }
}
