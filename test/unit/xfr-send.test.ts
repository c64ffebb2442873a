// A client that resets the connection while a transfer waits for the socket to drain must end that
// transfer quietly: an 'error' there once escaped as an unhandled rejection and took the server down.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { sendTransfer } from '../../engine/xfr/send.ts';
import { MessageList } from '../../engine/xfr/transfer-stream.ts';
import { openStream, type StreamPlan, type TransferReply, type TransferRequests, type TransferStats } from '../../engine/xfr/service.ts';

/** A socket stand-in whose kernel buffer is always full. */
class StalledSocket extends EventEmitter {
  destroyed = false;
  writes = 0;
  write(): boolean { this.writes++; return false; }
  cork(): void {}
  uncork(): void {}
  destroy(): void { this.destroyed = true; this.emit('close'); }
}

test('a reset while waiting for drain ends the transfer without a rejection', async () => {
  const message = new Uint8Array(40);
  message[5] = 1; // QDCOUNT of the first message
  const plan: StreamPlan = { source: new MessageList([message, message, message]), id: 7, question: new Uint8Array(0), tsig: null };
  const stream = openStream(plan);
  const stats: TransferStats[] = [];
  const service = { finished: (_r: unknown, _p: string, s: TransferStats) => stats.push(s), failed: () => {} } as unknown as TransferRequests;
  const socket = new StalledSocket();
  const reply: TransferReply = { kind: 'stream', stream, plan, zone: 'x.', serial: 1, style: 'axfr' };
  const sending = sendTransfer(socket as unknown as Socket, Promise.resolve(reply), service, '127.0.0.1');
  await new Promise((r) => setImmediate(r));
  socket.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
  socket.destroyed = true;
  await sending; // must resolve, not reject
  assert.is(socket.writes, 2, 'the first message (prefix and body) was written, then it waited');
  assert.is(stats.length, 1);
  assert.not.ok(stats[0].complete, 'logged as aborted');
  assert.is(socket.listenerCount('error'), 0, 'no listeners left behind');
});

/** A socket stand-in whose client closes as soon as the last message is written, with `left` bytes still unsent. */
class ClosingSocket extends EventEmitter {
  destroyed = false;
  writableLength = 0;
  writes = 0;
  readonly lastWrite: number;
  readonly left: number;
  constructor(lastWrite: number, left: number) {
    super();
    this.lastWrite = lastWrite;
    this.left = left;
  }
  write(): boolean {
    if (++this.writes < this.lastWrite) return true;
    this.writableLength = this.left;
    setImmediate(() => { this.destroyed = true; this.emit('close'); });
    return false;
  }
  cork(): void {}
  uncork(): void {}
  destroy(): void { this.destroyed = true; }
}

for (const [left, complete] of [[0, true], [12, false]] as const) {
  test(`a client closing after the last message, ${left} bytes unsent: ${complete ? 'complete' : 'aborted'}`, async () => {
    const message = new Uint8Array(40);
    message[5] = 1;
    const plan: StreamPlan = { source: new MessageList([message, message]), id: 7, question: new Uint8Array(0), tsig: null };
    const stats: TransferStats[] = [];
    const service = { finished: (_r: unknown, _p: string, s: TransferStats) => stats.push(s), failed: () => {} } as unknown as TransferRequests;
    // Two messages, each a length prefix and a body: the fourth write is the last.
    const socket = new ClosingSocket(4, left);
    const reply: TransferReply = { kind: 'stream', stream: openStream(plan), plan, zone: 'x.', serial: 1, style: 'axfr' };
    await sendTransfer(socket as unknown as Socket, Promise.resolve(reply), service, '127.0.0.1');
    assert.is(stats[0].complete, complete);
  });
}

test.run();
