// Outgoing NOTIFY fan-out (RFC 1996 §3.6) against responders in this process on loopback ports: who is
// acknowledged, refused or silent, retransmissions at doubling intervals, forged replies ignored, and the
// same through the Piscina pool.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { decode } from '../helpers/client.ts';
import { notifyAll, type NotifyOutcome, type NotifyRequest } from '../../engine/notify/fanout.ts';
import { NotifyPool, notifySummary } from '../../engine/notify/notify-pool.ts';
import type { NotifySoa } from '../../engine/notify/packet.ts';

type Behavior =
  | 'ack' | 'refused' | 'notimp' | 'silent'
  | 'third' // answers only the third copy
  | 'forged-id' // first a REFUSED with another ID, then the real acknowledgement
  | 'forged-port'; // first a REFUSED with the right ID from another port, then the real acknowledgement

interface Responder {
  host: string;
  port: number;
  behavior: Behavior;
  socket: dgram.Socket;
  /** performance.now() and message ID of every request received. */
  arrivals: { at: number; id: number }[];
  requests: Buffer[];
}

const SOA: NotifySoa = {
  ttl: 300, mname: 'ns1.example.com.', rname: 'hostmaster.example.com.', serial: 42, refresh: 3600, retry: 600, expire: 86400, minimum: 60,
};
const ZONE = 'example.com.';
const BEHAVIORS: Behavior[] = [
  ...Array<Behavior>(14).fill('ack'), 'refused', 'notimp', 'silent', 'third', 'forged-id', 'forged-port',
];
const RCODE = { NOERROR: 0, NOTIMP: 4, REFUSED: 5 };

const t = suite<{ responders: Responder[]; decoy: dgram.Socket; v6: Responder | null; pool: NotifyPool }>('notify');

/** The request echoed with QR and `rcode` set, as RFC 1996's example response is. */
function reply(request: Buffer, rcode: number, id = request.readUInt16BE(0)): Buffer {
  const out = Buffer.from(request);
  out.writeUInt16BE(id, 0);
  out[2] |= 0x80;
  out[3] = (out[3] & 0xf0) | rcode;
  return out;
}

function bind(host: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => resolve(socket));
  });
}

async function startResponder(behavior: Behavior, decoy: dgram.Socket, host = '127.0.0.1'): Promise<Responder> {
  const socket = await bind(host);
  const r: Responder = { host, port: socket.address().port, behavior, socket, arrivals: [], requests: [] };
  socket.on('message', (msg, peer) => {
    r.arrivals.push({ at: performance.now(), id: msg.readUInt16BE(0) });
    r.requests.push(msg);
    const answer = (m: Buffer) => socket.send(m, peer.port, peer.address);
    switch (behavior) {
      case 'ack': return answer(reply(msg, RCODE.NOERROR));
      case 'refused': return answer(reply(msg, RCODE.REFUSED));
      case 'notimp': return answer(reply(msg, RCODE.NOTIMP));
      case 'silent': return;
      case 'third': return r.arrivals.length === 3 ? answer(reply(msg, RCODE.NOERROR)) : undefined;
      case 'forged-id':
        answer(reply(msg, RCODE.REFUSED, msg.readUInt16BE(0) ^ 0x5a5a));
        return void setTimeout(() => answer(reply(msg, RCODE.NOERROR)), 20);
      case 'forged-port':
        decoy.send(reply(msg, RCODE.REFUSED), peer.port, peer.address);
        return void setTimeout(() => answer(reply(msg, RCODE.NOERROR)), 20);
    }
  });
  return r;
}

function reset(responders: Responder[]): void {
  for (const r of responders) {
    r.arrivals = [];
    r.requests = [];
  }
}

function request(targets: { host: string; port: number }[], retries: number, initialTimeoutMs: number): NotifyRequest {
  return { zone: ZONE, soa: SOA, targets: targets.map(({ host, port }) => ({ host, port })), retries, initialTimeoutMs };
}

function byBehavior(responders: Responder[], outcomes: NotifyOutcome[], behavior: Behavior): { r: Responder; o: NotifyOutcome }[] {
  return responders.flatMap((r, i) => (r.behavior === behavior ? [{ r, o: outcomes[i] }] : []));
}

t.before(async (ctx) => {
  ctx.decoy = await bind('127.0.0.1');
  ctx.responders = await Promise.all(BEHAVIORS.map((b) => startResponder(b, ctx.decoy)));
  ctx.v6 = await startResponder('ack', ctx.decoy, '::1').catch(() => null); // a host without IPv6 skips that target
  ctx.pool = new NotifyPool();
});

t.after(async (ctx) => {
  await ctx.pool.close();
  for (const r of [...ctx.responders, ...(ctx.v6 ? [ctx.v6] : [])]) r.socket.close();
  ctx.decoy.close();
});

t('each target ends acknowledged, refused, unimplemented or timed out; forged replies are ignored', async ({ responders }) => {
  reset(responders);
  // The forged replies' targets answer truly 20 ms later, inside the first timeout with room for a busy
  // 2-core machine (40 ms here once saw the true answer miss it and a second attempt go out).
  const initial = 100;
  const outcomes = await notifyAll(request(responders, 3, initial));
  assert.is(outcomes.length, responders.length);
  outcomes.forEach((o, i) => {
    assert.is(o.host, '127.0.0.1');
    assert.is(o.port, responders[i].port);
  });
  for (const behavior of ['ack', 'forged-id', 'forged-port'] as const) {
    for (const { r, o } of byBehavior(responders, outcomes, behavior)) {
      assert.equal([o.status, o.rcode, o.attempts], ['acknowledged', 'NOERROR', 1], behavior);
      assert.is(r.arrivals.length, 1, `${behavior}: no retransmission after the acknowledgement`);
    }
  }
  for (const [behavior, rcode] of [['refused', 'REFUSED'], ['notimp', 'NOTIMP']] as const) {
    const [{ r, o }] = byBehavior(responders, outcomes, behavior);
    assert.equal([o.status, o.rcode, o.attempts], ['error', rcode, 1], behavior);
    assert.is(r.arrivals.length, 1, `${behavior}: an error rcode is final, no retry`);
  }
  const [third] = byBehavior(responders, outcomes, 'third');
  assert.equal([third.o.status, third.o.attempts, third.r.arrivals.length], ['acknowledged', 3, 3]);
  const [silent] = byBehavior(responders, outcomes, 'silent');
  assert.equal([silent.o.status, silent.o.attempts, silent.r.arrivals.length], ['timeout', 4, 4]);
  assert.is(silent.o.rcode, undefined);
  assert.ok(silent.o.ms >= initial * (1 + 2 + 4 + 8), `gave up after ${silent.o.ms} ms`);
});

t('retransmissions keep the ID and come at doubling intervals', async ({ responders }) => {
  reset(responders);
  const silent = responders.find((r) => r.behavior === 'silent')!;
  await notifyAll(request([silent], 3, 40));
  const gaps = silent.arrivals.slice(1).map((a, i) => a.at - silent.arrivals[i].at);
  assert.is(gaps.length, 3);
  // Never early, so the intervals double; the upper bound only allows for a busy event loop (2 cores).
  gaps.forEach((gap, i) => {
    const expected = 40 * 2 ** i;
    assert.ok(gap >= expected * 0.95 && gap < expected + 100, `gap ${i}: ${gap.toFixed(1)} ms, expected ${expected}`);
  });
  assert.equal(new Set(silent.arrivals.map((a) => a.id)).size, 1);
});

t('every datagram is a NOTIFY with the zone SOA question and the new SOA; in-flight IDs are distinct', async ({ responders }) => {
  reset(responders);
  const acks = responders.filter((r) => r.behavior === 'ack');
  await notifyAll(request(acks, 0, 200));
  const ids = new Set<number>();
  for (const r of acks) {
    assert.is(r.requests.length, 1);
    const m = decode(r.requests[0]);
    assert.is(m.opcode, 'NOTIFY');
    assert.ok(m.flag_aa);
    assert.equal(m.questions, [{ name: 'example.com', type: 'SOA', class: 'IN' }]);
    assert.is(m.answers[0].type, 'SOA');
    assert.is(m.answers[0].data.serial, 42);
    ids.add(m.id);
  }
  assert.is(ids.size, acks.length);
});

t('IPv6 targets share one udp6 socket; invalid targets fail without traffic', async ({ responders, v6 }) => {
  reset(responders);
  const ack = responders.find((r) => r.behavior === 'ack')!;
  const targets = [
    { host: ack.host, port: ack.port }, { host: 'localhost', port: ack.port }, { host: '127.0.0.1', port: 0 },
    ...(v6 ? [{ host: '0:0:0:0:0:0:0:1', port: v6.port }] : []),
  ];
  const outcomes = await notifyAll(request(targets, 1, 100));
  assert.equal(outcomes[0].status, 'acknowledged');
  assert.equal([outcomes[1].status, outcomes[1].reason, outcomes[1].attempts], ['error', 'not an IP address', 0]);
  assert.equal([outcomes[2].status, outcomes[2].reason, outcomes[2].attempts], ['error', 'bad port', 0]);
  if (v6) assert.equal([outcomes[3].host, outcomes[3].status], ['0:0:0:0:0:0:0:1', 'acknowledged'], 'a non-canonical IPv6 literal still matches');
  assert.is(ack.arrivals.length, 1);
});

t('thousands of targets through one socket: all acknowledged, no two in flight with one ID', async () => {
  // Responders that hold every request for 100 ms: all requests within the window are then in flight at once.
  const outstanding = new Map<number, number>(); // ID → requests received and not yet answered
  let reused = 0;
  let held = 0;
  let peak = 0;
  const sockets = await Promise.all(Array.from({ length: 30 }, () => bind('127.0.0.1')));
  for (const socket of sockets) {
    socket.on('message', (msg, peer) => {
      const id = msg.readUInt16BE(0);
      if (outstanding.has(id)) reused++;
      outstanding.set(id, (outstanding.get(id) ?? 0) + 1);
      peak = Math.max(peak, ++held);
      setTimeout(() => {
        held--;
        const left = outstanding.get(id)! - 1;
        if (left === 0) outstanding.delete(id);
        else outstanding.set(id, left);
        socket.send(reply(msg, RCODE.NOERROR), peer.port, peer.address);
      }, 100);
    });
  }
  try {
    const targets = Array.from({ length: 3000 }, (_, i) => ({ host: '127.0.0.1', port: sockets[i % sockets.length].address().port }));
    const outcomes = await notifyAll(request(targets, 2, 2000));
    assert.is(outcomes.filter((o) => o.status === 'acknowledged' && o.attempts === 1).length, 3000);
    assert.is(reused, 0, 'an ID arrived while another request with it was outstanding');
    assert.ok(peak > 200, `at most ${peak} requests outstanding`);
  } finally {
    for (const socket of sockets) socket.close();
  }
});

t('a whole window timing out is retransmitted in bursts, then given up', async () => {
  const sockets = await Promise.all(Array.from({ length: 3 }, () => bind('127.0.0.1')));
  const received = [0, 0, 0];
  sockets.forEach((socket, i) => socket.on('message', () => received[i]++));
  try {
    const targets = Array.from({ length: 600 }, (_, i) => ({ host: '127.0.0.1', port: sockets[i % 3].address().port }));
    const outcomes = await notifyAll(request(targets, 1, 50));
    assert.ok(outcomes.every((o) => o.status === 'timeout' && o.attempts === 2));
    assert.equal(received, [400, 400, 400]);
  } finally {
    for (const socket of sockets) socket.close();
  }
});

t('the sign hook sees each datagram with its ID and room for a TSIG; a failing signer fails the target', async ({ responders }) => {
  reset(responders);
  const acks = responders.filter((r) => r.behavior === 'ack').slice(0, 3);
  const seen: { id: number; len: number; capacity: number }[] = [];
  const outcomes = await notifyAll({
    ...request(acks, 0, 200),
    sign: (buf, len, capacity) => {
      seen.push({ id: (buf[0] << 8) | buf[1], len, capacity });
      buf.set([0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0], len); // an OPT RR stands in for the TSIG
      buf[11] = 1; // ARCOUNT
      return len + 11;
    },
  });
  assert.ok(outcomes.every((o) => o.status === 'acknowledged'));
  assert.equal(seen.map((s) => s.id).sort(), acks.map((r) => r.arrivals[0].id).sort());
  for (const s of seen) assert.ok(s.capacity - s.len >= 600, `room ${s.capacity - s.len}`);
  for (const r of acks) assert.is(decode(r.requests[0]).additionals[0].udpPayloadSize, 1232);
  const failed = await notifyAll({ ...request(acks.slice(0, 1), 2, 50), sign: () => { throw new RangeError('no room'); } });
  assert.equal([failed[0].status, failed[0].reason], ['error', 'sign: no room']);
});

t('bad requests reject', async ({ responders }) => {
  const targets = responders.slice(0, 1);
  const rejection = (req: NotifyRequest) => notifyAll(req).then(() => 'resolved', (err: Error) => err.message);
  assert.match(await rejection(request(targets, -1, 100)), /retries/);
  assert.match(await rejection(request(targets, 11, 100)), /retries/);
  assert.match(await rejection(request(targets, 1, 0)), /initialTimeoutMs/);
  assert.match(await rejection({ ...request(targets, 1, 100), zone: 'a..b.' }), /empty label/);
  assert.equal(await notifyAll(request([], 1, 100)), []);
});

t('through the pool: the same outcomes and a log summary', async ({ responders, pool }) => {
  reset(responders);
  const req = request(responders, 2, 40);
  const outcomes = await pool.notify(req);
  const statuses = Object.fromEntries(responders.map((r, i) => [r.behavior, outcomes[i].status]));
  assert.equal(statuses, {
    ack: 'acknowledged', refused: 'error', notimp: 'error', silent: 'timeout', third: 'acknowledged', 'forged-id': 'acknowledged',
    'forged-port': 'acknowledged',
  });
  const summary = notifySummary(req, outcomes);
  assert.equal({ ...summary, ms: 0 }, { zone: ZONE, serial: 42, targets: 20, acknowledged: 17, timedOut: 1, errors: 2, superseded: 0, ms: 0 });
  assert.ok(summary.ms >= 40 + 80 + 160, `${summary.ms} ms`);
  assert.is(summary.ms, Math.max(...outcomes.map((o) => o.ms)));
});

t('the pool runs fan-outs side by side: a silent secondary does not hold up another zone', async ({ responders, pool }) => {
  reset(responders);
  const silent = responders.find((r) => r.behavior === 'silent')!;
  const ack = responders.find((r) => r.behavior === 'ack')!;
  const started = performance.now();
  const slow = pool.notify(request([silent], 3, 50)).then(() => performance.now() - started);
  const fast = pool.notify({ ...request([ack], 0, 200), zone: 'other.example.' }).then((o) => ({ o, ms: performance.now() - started }));
  const [slowMs, { o, ms: fastMs }] = await Promise.all([slow, fast]);
  assert.is(o[0].status, 'acknowledged');
  assert.ok(slowMs >= 50 * 15, `slow fan-out took ${slowMs.toFixed(0)} ms`);
  assert.ok(fastMs < slowMs / 2, `fast ${fastMs.toFixed(0)} ms, slow ${slowMs.toFixed(0)} ms`);
});

t('a fan-out whose serial was superseded stops retrying at once, through the pool', async ({ responders, pool }) => {
  reset(responders);
  const silent = responders.find((r) => r.behavior === 'silent')!;
  const flag = new SharedArrayBuffer(4);
  const started = performance.now();
  // Unstopped, 5 retries from 100 ms would take 6.3 s.
  const running = pool.notify({ ...request([silent], 5, 100), superseded: flag });
  setTimeout(() => Atomics.store(new Int32Array(flag), 0, 1), 250);
  const [outcome] = await running;
  const ms = performance.now() - started;
  assert.is(outcome.status, 'superseded');
  assert.ok(ms < 800, `stopped after ${ms.toFixed(0)} ms`);
  const sent = silent.arrivals.length;
  await new Promise((r) => setTimeout(r, 500));
  assert.is(silent.arrivals.length, sent, 'nothing sent after it stopped');
  assert.ok(sent >= 2 && sent <= 3, `${sent} datagrams before it stopped`);
});

t.run();
