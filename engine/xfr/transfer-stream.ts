// One outgoing transfer: walks prebuilt messages (an AXFR image, possibly still rendering, or a rendered
// IXFR) and yields each as TCP chunks. Unsigned, a message is a 14-byte prefix (length, ID, flags) plus a view of the prebuilt bytes:
// nothing of the zone is copied. The first message also carries the requester's question bytes, so the
// question is echoed exactly (type IXFR stays IXFR, letter case stays as asked).
import { HEADER_SIZE } from '../codec/constants.ts';

/** Finished messages with ID 0, the question in the first. */
export interface MessageSource {
  /** Messages there now (all of them, unless the source is still being rendered). */
  readonly count: number;
  message(i: number): Uint8Array;
  /** A source rendered while it is sent (axfr-image.ts): false until its last message is there. */
  readonly complete?: boolean;
  /** The rendering stopped short. */
  readonly failed?: boolean;
  /** Resolves once message i is there, or the rendering ended without it. */
  whenAvailable?(i: number): Promise<void>;
}

/** A source over a plain list of rendered messages. */
export class MessageList implements MessageSource {
  readonly messages: readonly Uint8Array[];

  constructor(messages: readonly Uint8Array[]) {
    this.messages = messages;
  }

  get count(): number {
    return this.messages.length;
  }

  message(i: number): Uint8Array {
    return this.messages[i];
  }
}

/** Signs one complete message in place (appending its TSIG RR) and returns the new length. */
export type MessageSigner = (buf: Uint8Array, len: number, capacity: number) => number;

export class TransferStream {
  private readonly source: MessageSource;
  private readonly id: number;
  private readonly question: Uint8Array;
  private readonly sign: MessageSigner | null;
  private readonly signReserve: number;
  private next = 0;

  constructor(source: MessageSource, id: number, question: Uint8Array, sign: MessageSigner | null, signReserve = 0) {
    this.source = source;
    this.id = id;
    this.question = question;
    this.sign = sign;
    this.signReserve = signReserve;
  }

  get messagesSent(): number {
    return this.next;
  }

  get done(): boolean {
    return this.next >= this.source.count && (this.source.complete ?? true);
  }

  /** The source's rendering failed: what was sent is not a whole transfer. */
  get failed(): boolean {
    return this.source.failed ?? false;
  }

  /** Null when the next message (or the end) is there now; else resolves when it is. */
  ready(): Promise<void> | null {
    if (this.next < this.source.count || (this.source.complete ?? true) || this.failed) return null;
    return this.source.whenAvailable!(this.next);
  }

  /** The chunks of the next message, to write in order; null after the last one (call ready() first). */
  nextMessage(): Uint8Array[] | null {
    if (this.next >= this.source.count) return null;
    const i = this.next++;
    const message = this.source.message(i);
    // The first message's question is replaced by the requester's (same name, so the same length).
    const headLen = i === 0 ? HEADER_SIZE + this.question.length : HEADER_SIZE;
    if (this.sign !== null) return [this.signed(message, headLen)];
    const prefix = Buffer.allocUnsafe(2 + headLen);
    prefix.writeUInt16BE(message.length, 0);
    prefix.set(message.subarray(0, HEADER_SIZE), 2);
    prefix.writeUInt16BE(this.id, 2);
    if (i === 0) prefix.set(this.question, 2 + HEADER_SIZE);
    return [prefix, message.subarray(headLen)];
  }

  /** TSIG covers the whole message, so a signed one is assembled in a buffer of its own. */
  private signed(message: Uint8Array, headLen: number): Uint8Array {
    const len = message.length;
    const out = Buffer.allocUnsafe(2 + len + this.signReserve);
    const msg = out.subarray(2);
    msg.set(message, 0);
    msg[0] = this.id >>> 8;
    msg[1] = this.id & 0xff;
    if (headLen > HEADER_SIZE) msg.set(this.question, HEADER_SIZE);
    const signedLen = this.sign!(msg, len, len + this.signReserve);
    out.writeUInt16BE(signedLen, 0);
    return out.subarray(0, 2 + signedLen);
  }
}
