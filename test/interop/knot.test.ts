// zonecast and Knot serve the same zones; the same queries must get the same answers (where the RFCs leave
// a choice, zonecast answers as Knot does). kdig also drives zonecast as a real client.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startKnot, type KnotServer } from '../../native-bench/lib/knot.ts';
import { freePort, waitUntilServing } from '../../native-bench/lib/dns-probe.ts';
import { stopServer } from '../../native-bench/lib/proc.ts';
import { decode, query, TcpClient, udpExchange, type Decoded, type RR } from '../helpers/client.ts';
import { DEMO_ZONES, startServer, type TestServer } from '../helpers/server.ts';
import { tool } from '../helpers/tools.ts';

const knotd = tool('knotd', 'knot');
const kdig = tool('kdig', 'knot-dnsutils');
const run = promisify(execFile);

interface Ctx { zc: TestServer; knot: KnotServer; knotPort: number; dir: string }
const t = suite<Ctx>('knot interop');

t.before(async (ctx) => {
  ctx.zc = await startServer();
  if (!knotd) return;
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-knot-'));
  ctx.knotPort = await freePort();
  const zones = ['example.com.', 'child.example.com.', 'example.net.', '2.0.192.in-addr.arpa.'];
  ctx.knot = startKnot(zones.map((name) => ({ name, file: join(DEMO_ZONES, `${name.slice(0, -1)}.zone`) })), ctx.knotPort, ctx.dir);
  for (const zone of zones) await waitUntilServing(ctx.knot, ctx.knotPort, zone, 10_000);
});

t.after(async (ctx) => {
  await ctx.zc.close();
  if (ctx.knot) await stopServer(ctx.knot);
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

const show = (rr: RR) => `${rr.name.toLowerCase()} ${rr.ttl} ${rr.type} ${JSON.stringify(rr.data)}`.toLowerCase();
const summary = (r: Decoded) => ({
  rcode: r.rcode,
  aa: r.flag_aa,
  tc: r.flag_tc,
  answer: r.answers.map(show),
  authority: r.authorities.map(show).sort(),
  additional: r.additionals.filter((a) => a.type !== 'OPT').map(show).sort(),
  opt: r.additionals.filter((a) => a.type === 'OPT').map((o) => `${o.ednsVersion} ${o.flag_do} ${o.extendedRcode}`),
});

async function both(ctx: Ctx, msg: Buffer, tcp: boolean): Promise<[Decoded, Decoded]> {
  const ask = async (port: number) => {
    if (!tcp) return decode((await udpExchange(port, msg))!);
    const c = await TcpClient.connect(port);
    c.send(msg);
    const [reply] = await c.waitFor(1);
    c.close();
    return decode(reply);
  };
  return [await ask(ctx.zc.port), await ask(ctx.knotPort)];
}

const QUESTIONS: [string, string][] = [
  ['www.example.com', 'A'], ['alias.example.com', 'A'], ['outside.example.com', 'A'], ['dangling.example.com', 'A'],
  ['example.com', 'SOA'], ['example.com', 'NS'], ['example.com', 'MX'], ['example.com', 'TXT'], ['example.com', 'AAAA'],
  ['nothing.example.com', 'A'], ['mail.example.com', 'AAAA'], ['ent.example.com', 'A'], ['b.ent.example.com', 'TXT'],
  ['x.wild.example.com', 'A'], ['x.y.wild.example.com', 'TXT'], ['x.wild.example.com', 'MX'], ['q.cname-wild.example.com', 'A'],
  ['host.sub.example.com', 'A'], ['sub.example.com', 'NS'], ['sub.example.com', 'DS'], ['ns.sub.example.com', 'A'],
  ['a.legacy.example.com', 'A'], ['legacy.example.com', 'DNAME'], ['_sip._tcp.example.com', 'SRV'],
  ['host.child.example.com', 'A'], ['child.example.com', 'SOA'], ['caa.example.com', 'CAA'], ['big.example.com', 'TXT'],
  ['1.2.0.192.in-addr.arpa', 'PTR'], ['mail.example.net', 'A'], ['example.net', 'UNKNOWN_666'], ['sipserver.example.com', 'A'],
  // Meta and reserved types as questions (dns-packet spells unnamed types UNKNOWN_n).
  ['example.net', 'UNKNOWN_0'], ['example.net', 'OPT'], ['example.net', 'UNKNOWN_249'], ['example.net', 'UNKNOWN_250'],
  ['example.net', 'UNKNOWN_253'], ['example.net', 'UNKNOWN_254'],
];

t('the same answers as Knot over UDP and TCP, with and without EDNS', async (ctx) => {
  if (!knotd) return;
  const differences: string[] = [];
  for (const [name, type] of QUESTIONS) {
    for (const edns of [true, false]) {
      for (const tcp of [false, true]) {
        const msg = query(name, type, edns ? { id: 99 } : { id: 99, edns: false });
        const [ours, theirs] = await both(ctx, msg, tcp);
        const a = JSON.stringify(summary(ours), null, 1);
        const b = JSON.stringify(summary(theirs), null, 1);
        if (a !== b) differences.push(`${name} ${type} ${tcp ? 'tcp' : 'udp'} ${edns ? 'edns' : 'plain'}\nzonecast: ${a}\nknot:     ${b}`);
      }
    }
  }
  assert.is(differences.length, 0, differences.join('\n\n'));
});

t('kdig as a client, over UDP and TCP', async (ctx) => {
  if (!kdig) return;
  for (const transport of ['+notcp', '+tcp']) {
    const { stdout } = await run(kdig, ['@127.0.0.1', '-p', String(ctx.zc.port), transport, '+short', 'web.example.com', 'A']);
    assert.equal(stdout.trim().split('\n').sort(), ['192.0.2.80', '192.0.2.81']);
  }
  const { stdout } = await run(kdig, ['@127.0.0.1', '-p', String(ctx.zc.port), 'nothing.example.com', 'A']);
  assert.match(stdout, /status: NXDOMAIN/);
  assert.match(stdout, /Flags: qr aa rd;/);
});

t.run();
