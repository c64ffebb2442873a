// mdns's NOTIFY announcer (services/mdns/notifier.ts) over the pool: a newer serial stops the fan-out still
// retrying for the older one, and a target that acknowledged a serial is not NOTIFYed for it again, even by
// a new announcer reading the same ledger (a restart).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostedZone } from '../../engine/answer/zone-table.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import { NotifyPool } from '../../engine/notify/notify-pool.ts';
import { Notifier } from '../../services/mdns/notifier.ts';
import { NotifyLedger } from '../../services/mdns/notify-ledger.ts';
import { compile } from '../helpers/compile.ts';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';
import { until } from '../helpers/until.ts';

interface Secondary { socket: dgram.Socket; port: number; serials: number[]; answer: boolean }
interface Ctx { dir: string; pool: NotifyPool; acking: Secondary; silent: Secondary }
const t = suite<Ctx>('notifier');

/** A secondary that records the SOA serial of each NOTIFY and acknowledges it, or stays silent. */
async function secondary(answer: boolean): Promise<Secondary> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const s: Secondary = { socket, port: socket.address().port, serials: [], answer };
  socket.on('message', (msg, peer) => {
    s.serials.push(msg.readUInt32BE(msg.length - 20)); // the answer's SOA: serial is the first of its five numbers
    if (!s.answer) return;
    const reply = Buffer.from(msg);
    reply[2] |= 0x80;
    socket.send(reply, peer.port, peer.address);
  });
  return s;
}

const zone = new HostedZone(nameFromText('ledger.test.'));
const version = (serial: number) => compile('ledger.test.', `$TTL 60\n@ SOA ns1 host ${serial} 1 1 1 1\n@ NS ns1\nns1 A 192.0.2.1\n`);

function announcer(ctx: Ctx): { notifier: Notifier; lines: LogLine[] } {
  const { log, lines } = captureLog();
  const targets = [ctx.acking, ctx.silent].map((s) => ({ host: '127.0.0.1', port: s.port, key: null }));
  const notifier = new Notifier(ctx.pool, { targets, retries: 2, initialTimeoutMs: 100, ledger: NotifyLedger.open(join(ctx.dir, 'notified.json'), log) }, log);
  return { notifier, lines };
}

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-notifier-'));
  ctx.pool = new NotifyPool();
  ctx.acking = await secondary(true);
  ctx.silent = await secondary(false);
});

t.after(async (ctx) => {
  await ctx.pool.close();
  ctx.acking.socket.close();
  ctx.silent.socket.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

t('a newer serial stops the older fan-out; acknowledged serials are not sent again, across a restart', async (ctx) => {
  const { notifier, lines } = announcer(ctx);
  notifier.announce(zone, version(1));
  await until('serial 1 acknowledged', async () => ctx.acking.serials.includes(1), 2000);
  notifier.announce(zone, version(2));
  await until('the first fan-out logged', async () => lines.some((l) => l.serial === 1 && l.msg.startsWith('notify')), 2000);
  const first = lines.find((l) => l.serial === 1 && l.msg.startsWith('notify'))!;
  assert.is(first.msg, 'notify superseded by a newer serial', JSON.stringify(first));
  assert.is(first.superseded, 1);
  const silentBefore = ctx.silent.serials.length;
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(ctx.silent.serials.filter((s) => s === 1).length < 4, 'serial 1 stopped retrying to the silent secondary');
  assert.ok(ctx.silent.serials.slice(silentBefore).every((s) => s === 2), 'only serial 2 goes out now');

  // The same serial again (a restart's first load): only the target that never acknowledged it hears of it.
  // Outcomes are known when the fan-out ends, the silent target given up on (0.7 s with these retries).
  notifier.announce(zone, version(3));
  await until('the fan-out of serial 3 over', async () => lines.some((l) => l.serial === 3 && l.msg.startsWith('notify sent')), 3000);
  notifier.close();
  const restarted = announcer(ctx);
  const ackedBefore = ctx.acking.serials.length;
  const silentAt = ctx.silent.serials.length;
  restarted.notifier.announce(zone, version(3));
  await until('the silent one NOTIFYed again', async () => ctx.silent.serials.length > silentAt, 2000);
  assert.ok(restarted.lines.some((l) => l.msg === 'notify skipped: those targets acknowledged this serial already' && l.skipped === 1));
  assert.is(ctx.acking.serials.length, ackedBefore, 'the acknowledging secondary got nothing');
  restarted.notifier.announce(zone, version(4));
  await until('a new serial reaches it', async () => ctx.acking.serials.includes(4), 2000);
  restarted.notifier.removed(zone);
  restarted.notifier.close();
});

t.run();
