// Signed zone transfers (RFC 8945) with real clients: dig verifies the MAC of every message of a
// multi-message AXFR; a key listed in allow_transfer admits the request, its absence or a bad MAC does not;
// Knot, BIND and NSD pull the zone as TSIG-keyed secondaries; NSD takes a NOTIFY signed with the key and
// answers one signed with a key it does not know with BADKEY, which ends that NOTIFY at once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { stopServer } from '../../native-bench/lib/proc.ts';
import { parseTsigKeySpec } from '../../engine/tsig/keys.ts';
import { decode, query, udpExchange } from '../helpers/client.ts';
import { startBindSecondary } from '../helpers/bind-secondary.ts';
import { startKnotSecondary } from '../helpers/knot-secondary.ts';
import { startNsdSecondary } from '../helpers/nsd-secondary.ts';
import { notifyAll } from '../../engine/notify/fanout.ts';
import { signRequest } from '../../engine/tsig/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tool } from '../helpers/tools.ts';

const dig = tool('dig', 'bind9-dnsutils');
const knotd = tool('knotd', 'knot');
const named = tool('named', 'bind9');
const kdig = tool('kdig', 'knot-dnsutils');
const nsd = tool('nsd', 'nsd');
const run = promisify(execFile);
const SECRET = randomBytes(32).toString('base64');
const KEY = `hmac-sha256:xfr-key:${SECRET}`;
const RECORDS = 20_000;

interface Ctx { dir: string; s: TestServer }
const t = suite<Ctx>('signed transfers');

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-tsig-'));
  const zones = join(ctx.dir, 'zones');
  mkdirSync(zones);
  const lines = ['$TTL 300', '@ SOA ns1 hostmaster 9 3600 600 86400 60', '@ NS ns1', 'ns1 A 192.0.2.1'];
  for (let i = 0; i < RECORDS; i++) lines.push(`h${i} A 10.0.${(i >> 8) & 255}.${i & 255}`);
  writeFileSync(join(zones, 'signed.test.zone'), lines.join('\n') + '\n');
  // Only the key admits transfers: no address is listed.
  ctx.s = await startServer({ allowTransfer: ['key=xfr-key'], tsigKeys: [parseTsigKeySpec(KEY)] }, zones);
  await ctx.s.server.zones.get(Buffer.from([6, 115, 105, 103, 110, 101, 100, 4, 116, 101, 115, 116, 0]))!.axfr!();
});
t.after(async (ctx) => {
  await ctx.s.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

const digAxfr = async (ctx: Ctx, ...args: string[]) =>
  (await run(dig!, [...args, '@127.0.0.1', '-p', String(ctx.s.port), 'signed.test', 'AXFR'], { maxBuffer: 64 << 20 })).stdout;

t('dig verifies every message of a signed multi-message AXFR', async (ctx) => {
  if (!dig) return;
  const out = await digAxfr(ctx, '-y', KEY);
  const m = /XFR size: (\d+) records \(messages (\d+)/.exec(out);
  assert.ok(m, out.slice(-400));
  assert.is(Number(m![1]), RECORDS + 4);
  assert.ok(Number(m![2]) > 1, 'several messages, each signed');
  assert.not.match(out, /Transfer failed/);
  // dig prints each message's TSIG RR; every one must carry a MAC and no error.
  const tsigs = out.split('\n').filter((l) => /\tTSIG\t/.test(l));
  assert.is(tsigs.length, Number(m![2]));
  assert.ok(tsigs.every((l) => / 32 \S+ \d+ NOERROR 0/.test(l)), tsigs.join('\n'));
});

t('unsigned, wrongly signed and unknown-key requests are refused', async (ctx) => {
  if (!dig) return;
  assert.match(await digAxfr(ctx), /Transfer failed/);
  const wrong = await digAxfr(ctx, '-y', `hmac-sha256:xfr-key:${randomBytes(32).toString('base64')}`);
  assert.match(wrong, /BADSIG/);
  assert.match(await digAxfr(ctx, '-y', `hmac-sha256:unknown-key:${SECRET}`), /BADKEY/);
});

t('signed queries get signed answers; an unknown key gets BADKEY (kdig)', async (ctx) => {
  if (!kdig) return;
  const ask = async (key: string) => (await run(kdig, ['-y', key, '@127.0.0.1', '-p', String(ctx.s.port), 'signed.test', 'SOA'])).stdout;
  const good = await ask(KEY);
  assert.match(good, /status: NOERROR/);
  assert.match(good, /TSIG PSEUDOSECTION:\s*\nxfr-key\.\s+0\s+ANY\s+TSIG\s+hmac-sha256\.\s+\d+\s+300\s+32\s+\S+\s+\d+\s+NOERROR/);
  assert.not.match(good, /failed to verify/i);
  const unknown = await ask(`hmac-sha256:unknown-key:${SECRET}`);
  assert.match(unknown, /status: (NOTAUTH|BADKEY)/); // kdig shows the TSIG error as the status
  assert.match(unknown, /BADKEY/);
});

const SECONDARIES = [
  { name: 'Knot', binary: knotd, start: startKnotSecondary, transferred: /AXFR, incoming.*finished/ },
  { name: 'BIND', binary: named, start: startBindSecondary, transferred: /Transfer completed: \d+ messages, 20004 records/ },
  { name: 'NSD', binary: nsd, start: startNsdSecondary, transferred: /received update to serial 9 .* TSIG verified with key xfr-key/ },
];

for (const secondary of SECONDARIES) t(`${secondary.name} transfers the zone as a TSIG-keyed secondary`, async (ctx) => {
  if (!secondary.binary) return;
  const port = await freePort();
  const server = secondary.start(secondary.binary, join(ctx.dir, secondary.name), port, ctx.s.port, ['signed.test.'], { name: 'xfr-key', algorithm: 'hmac-sha256', secret: SECRET });
  try {
    const deadline = Date.now() + 15_000;
    let serial: number | undefined;
    while (serial !== 9 && Date.now() < deadline) {
      const reply = await udpExchange(port, query('signed.test', 'SOA'), 300);
      serial = reply === null ? undefined : decode(reply).answers[0]?.data.serial;
      if (serial !== 9) await new Promise((r) => setTimeout(r, 100));
    }
    assert.is(serial, 9, server.lines.join('\n'));
    assert.ok(server.lines.some((l) => secondary.transferred.test(l)), server.lines.join('\n'));
  } finally {
    await stopServer(server);
  }
});

t('NSD takes a NOTIFY signed with its key; one signed with a key it does not know is answered BADKEY, not retried', async (ctx) => {
  if (!nsd) return;
  const port = await freePort();
  const server = startNsdSecondary(nsd, join(ctx.dir, 'nsd-notify'), port, ctx.s.port, ['signed.test.'], { name: 'xfr-key', algorithm: 'hmac-sha256', secret: SECRET });
  try {
    const notify = (spec: string) => {
      const key = parseTsigKeySpec(spec);
      return notifyAll({
        zone: 'signed.test.', targets: [{ host: '127.0.0.1', port }], retries: 3, initialTimeoutMs: 300,
        sign: (buf, len, capacity) => signRequest(buf, len, capacity, key, Math.floor(Date.now() / 1000)).len,
      });
    };
    // NSD answers NOTIFY once it runs; the first may beat its start.
    const deadline = Date.now() + 10_000;
    let [good] = await notify(KEY);
    while (good.status !== 'acknowledged' && Date.now() < deadline) [good] = await notify(KEY);
    assert.is(good.status, 'acknowledged', server.lines.join('\n'));
    const [bad] = await notify(`hmac-sha256:unknown-key:${SECRET}`);
    assert.equal({ status: bad.status, rcode: bad.rcode, tsigError: bad.tsigError, attempts: bad.attempts }, { status: 'error', rcode: 'NOTAUTH', tsigError: 'BADKEY', attempts: 1 });
    assert.ok(server.lines.some((l) => /bad tsig \(Bad Key\) for key unknown-key/.test(l)), server.lines.join('\n'));
  } finally {
    await stopServer(server);
  }
});

t.run();
