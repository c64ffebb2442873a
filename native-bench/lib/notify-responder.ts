// A stand-in for thousands of secondaries: binds COUNT UDP ports on 127.0.0.1 and acknowledges every NOTIFY
// (the request echoed with QR set, RFC 1996's example response). Prints `ports <p1,p2,...>` once all are
// bound, then `answered N` on SIGTERM before exiting.
// Run: node native-bench/lib/notify-responder.ts COUNT
import dgram from 'node:dgram';

const OPCODE_NOTIFY = 4;
const count = Number(process.argv[2]);
if (!Number.isInteger(count) || count < 1) throw new Error('usage: notify-responder.ts COUNT');

let answered = 0;

function bind(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, peer) => {
    // In place: the datagram is ours, and the bench measures the sender, not this process.
    if (msg.length < 12 || msg[2] & 0x80 || ((msg[2] >>> 3) & 0xf) !== OPCODE_NOTIFY) return;
    msg[2] |= 0x80;
    answered++;
    socket.send(msg, peer.port, peer.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve(socket));
  });
}

const sockets = await Promise.all(Array.from({ length: count }, bind));
console.log(`ports ${sockets.map((s) => s.address().port).join(',')}`);
process.on('SIGTERM', () => {
  console.log(`answered ${answered}`);
  process.exit(0);
});
