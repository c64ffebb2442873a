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

test.run();
