// Writes one transfer reply to a TCP socket, message by message, waiting for the socket to drain whenever
// the kernel buffer is full: a slow reader costs at most one message of memory, whatever the zone's size. A
// reader that takes no bytes for `stallMs` is cut off then: Node's own socket timeout gives a write that
// made progress once more another full period, so a stalled reader would hold on for up to twice as long.
// `stallMs` is also the socket's idle timeout, which is suspended while the next message is not there yet.
import type { Socket } from 'node:net';
import type { TransferReply, TransferRequests } from './service.ts';

export async function sendTransfer(socket: Socket, reply: Promise<TransferReply>, service: TransferRequests, peer: string, stallMs = 0): Promise<void> {
  let r: TransferReply;
  try {
    r = await reply;
  } catch (err) {
    service.failed(peer, err as Error);
    socket.destroy();
    return;
  }
  if (r.kind === 'message') {
    socket.write(r.message);
    return;
  }
  const started = performance.now();
  let bytes = 0;
  for (;;) {
    // A source still rendering (an AXFR image, a zone still being read): the next message is waited for, the
    // ones before it already went out. The wait is ours, not the client's silence: no idle timeout meanwhile.
    const pending = r.stream.ready();
    if (pending !== null) {
      socket.setTimeout(0);
      await pending;
      if (stallMs > 0) socket.setTimeout(stallMs);
    }
    const chunks = r.stream.nextMessage();
    if (chunks === null || socket.destroyed) break;
    let flushed = true;
    socket.cork();
    for (const chunk of chunks) {
      flushed = socket.write(chunk) && flushed;
      bytes += chunk.length;
    }
    socket.uncork();
    if (!flushed) await writableOrGone(socket, stallMs);
  }
  // Every message handed over and none of it still buffered here: a client that closes the moment it has the
  // final SOA (BIND does) got the whole transfer, though the socket is closed by the time we look.
  const complete = r.stream.done && (!socket.destroyed || socket.writableLength === 0);
  service.finished(r, peer, { messages: r.stream.messagesSent, bytes, ms: performance.now() - started, complete });
  // A transfer cut short must not look finished: closing without the final SOA tells the client it failed.
  if (!complete) socket.destroy();
}

/**
 * Resolves when the socket drains, closes or fails, or (with `stallMs`) destroys it when it has not drained
 * by then. events.once would reject on 'error' (a client resetting the connection mid-transfer), and a
 * rejection here would escape the listener as an unhandled one.
 */
function writableOrGone(socket: Socket, stallMs: number): Promise<void> {
  return new Promise((resolve) => {
    const stalled = stallMs > 0 ? setTimeout(() => socket.destroy(), stallMs) : null;
    const done = () => {
      if (stalled !== null) clearTimeout(stalled);
      socket.off('drain', done);
      socket.off('close', done);
      socket.off('error', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
    socket.on('error', done);
  });
}
