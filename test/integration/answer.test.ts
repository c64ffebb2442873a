// Authoritative answering over real UDP and TCP sockets against fixtures/zones, checked with dns-packet.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { query, tcp, udp, type Decoded } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const t = suite<{ s: TestServer }>('answer');
let port = 0;

t.before(async (ctx) => {
  ctx.s = await startServer();
  port = ctx.s.port;
});
t.after(async (ctx) => ctx.s.close());

const ask = (name: string, type: string) => udp(port, query(name, type));
const rrs = (section: Decoded['answers']) => section.map((r) => `${r.name} ${r.type} ${JSON.stringify(r.data)}`);

t('exact match: AA, NOERROR, the question case preserved in question and owner (0x20)', async () => {
  const r = await udp(port, query('wWw.ExamPLE.com', 'A', { id: 4321 }));
  assert.is(r.id, 4321);
  assert.is(r.rcode, 'NOERROR');
  assert.ok(r.flag_aa);
  assert.is(r.questions[0].name, 'wWw.ExamPLE.com');
  assert.is(r.answers[0].name, 'wWw.ExamPLE.com');
  // Names compress against the question, so a shared suffix reads in the question's case.
  assert.equal(rrs(r.answers), [
    'wWw.ExamPLE.com CNAME "web.ExamPLE.com"',
    'web.ExamPLE.com A "192.0.2.80"',
    'web.ExamPLE.com A "192.0.2.81"',
  ]);
});

t('CNAME chains are followed inside the zone, not outside it', async () => {
  const chain = await ask('alias.example.com', 'A');
  assert.is(chain.answers.length, 4);
  const outside = await ask('outside.example.com', 'A');
  assert.equal(rrs(outside.answers), ['outside.example.com CNAME "www.example.org"']);
  assert.is(outside.rcode, 'NOERROR');
  const cnameItself = await ask('www.example.com', 'CNAME');
  assert.equal(rrs(cnameItself.answers), ['www.example.com CNAME "web.example.com"']);
});

t('a CNAME to a missing name is NXDOMAIN with the CNAME and the SOA (RFC 6604)', async () => {
  const r = await ask('dangling.example.com', 'A');
  assert.is(r.rcode, 'NXDOMAIN');
  assert.equal(rrs(r.answers), ['dangling.example.com CNAME "missing.example.com"']);
  assert.is(r.authorities[0].type, 'SOA');
});

t('a CNAME loop ends where it repeats', async () => {
  const r = await ask('loop1.example.com', 'A');
  assert.equal(rrs(r.answers), ['loop1.example.com CNAME "loop2.example.com"', 'loop2.example.com CNAME "loop1.example.com"']);
});

t('NXDOMAIN and NODATA carry the SOA with the RFC 2308 negative TTL', async () => {
  const nx = await ask('nothing.example.com', 'A');
  assert.is(nx.rcode, 'NXDOMAIN');
  assert.ok(nx.flag_aa);
  assert.is(nx.answers.length, 0);
  assert.is(nx.authorities[0].type, 'SOA');
  assert.is(nx.authorities[0].name, 'example.com');
  assert.is(nx.authorities[0].ttl, 300); // min(SOA TTL 3600, MINIMUM 300)
  const nodata = await ask('mail.example.com', 'AAAA');
  assert.is(nodata.rcode, 'NOERROR');
  assert.is(nodata.answers.length, 0);
  assert.is(nodata.authorities[0].type, 'SOA');
});

t('empty non-terminals exist: NODATA, not NXDOMAIN', async () => {
  for (const name of ['b.ent.example.com', 'ent.example.com']) {
    const r = await ask(name, 'A');
    assert.is(r.rcode, 'NOERROR', name);
    assert.is(r.authorities[0].type, 'SOA');
  }
  assert.is((await ask('a.b.ent.example.com', 'A')).answers[0].data, '192.0.2.7');
});

t('wildcards synthesise the queried name (RFC 4592)', async () => {
  const r = await ask('anything.wild.example.com', 'A');
  assert.equal(rrs(r.answers), ['anything.wild.example.com A "192.0.2.99"']);
  assert.ok(r.flag_aa);
  const deeper = await ask('a.b.wild.example.com', 'TXT');
  assert.equal(deeper.answers[0].name, 'a.b.wild.example.com');
  const nodata = await ask('x.wild.example.com', 'MX');
  assert.is(nodata.rcode, 'NOERROR');
  assert.is(nodata.answers.length, 0);
  assert.is(nodata.authorities[0].type, 'SOA');
  const viaCname = await ask('q.cname-wild.example.com', 'A');
  assert.equal(rrs(viaCname.answers), ['q.cname-wild.example.com CNAME "web.example.com"', 'web.example.com A "192.0.2.80"', 'web.example.com A "192.0.2.81"']);
  // The wildcard's own name answers as itself; a name beside the wildcard's parent does not match it.
  assert.is((await ask('*.wild.example.com', 'A')).answers[0].name, '*.wild.example.com');
  assert.is((await ask('wild.example.com', 'A')).rcode, 'NOERROR');
});

t('referrals: AA clear, NS in authority, glue in additional; DS is answered at the cut', async () => {
  const r = await ask('host.sub.example.com', 'A');
  assert.is(r.rcode, 'NOERROR');
  assert.not.ok(r.flag_aa);
  assert.is(r.answers.length, 0);
  assert.equal(rrs(r.authorities).sort(), ['sub.example.com NS "ns.example.net"', 'sub.example.com NS "ns.sub.example.com"']);
  assert.equal(rrs(r.additionals).filter((x) => !x.includes('OPT')), ['ns.sub.example.com A "192.0.2.201"']);
  const atCut = await ask('sub.example.com', 'NS');
  assert.not.ok(atCut.flag_aa);
  assert.is(atCut.authorities.length, 2);
  const ds = await ask('sub.example.com', 'DS');
  assert.ok(ds.flag_aa);
  assert.is(ds.answers[0].type, 'DS');
  const glue = await ask('ns.sub.example.com', 'A');
  assert.not.ok(glue.flag_aa, 'glue is not authoritative data');
});

t('DNAME answers with a synthesised CNAME (RFC 6672)', async () => {
  const r = await ask('host.legacy.example.com', 'A');
  assert.equal(rrs(r.answers), ['legacy.example.com DNAME "example.net"', 'host.legacy.example.com CNAME "host.example.net"']);
  const owner = await ask('legacy.example.com', 'DNAME');
  assert.equal(rrs(owner.answers), ['legacy.example.com DNAME "example.net"']);
});

t('additional addresses for MX, SRV and NS targets inside the zone', async () => {
  const mx = await ask('example.com', 'MX');
  assert.equal(rrs(mx.additionals).filter((x) => !x.includes('OPT')), ['mail.example.com A "192.0.2.25"']);
  const srv = await ask('_sip._tcp.example.com', 'SRV');
  assert.equal(rrs(srv.additionals).filter((x) => !x.includes('OPT')), ['sipserver.example.com A "192.0.2.60"']);
  const ns = await ask('example.com', 'NS');
  assert.equal(rrs(ns.additionals).filter((x) => !x.includes('OPT')).sort(), [
    'ns1.example.com A "192.0.2.53"', 'ns2.example.com A "192.0.2.54"', 'ns2.example.com AAAA "2001:db8::54"',
  ]);
});

t('ANY is answered minimally over UDP (RFC 8482) and in full over TCP', async () => {
  const u = await ask('example.com', 'ANY');
  assert.is(u.answers.length, 1);
  const full = await tcp(port, query('example.com', 'ANY'));
  assert.equal([...new Set(full.answers.map((a) => a.type))].sort(), ['A', 'AAAA', 'MX', 'NS', 'SOA', 'TXT']);
});

t('the longest hosted zone wins', async () => {
  const r = await ask('host.child.example.com', 'A');
  assert.ok(r.flag_aa);
  assert.is(r.answers[0].ttl, 300);
  const soa = await ask('child.example.com', 'SOA');
  assert.is((soa.answers[0].data as { serial: number }).serial, 7);
  assert.is((await ask('2.0.192.in-addr.arpa', 'SOA')).rcode, 'NOERROR');
  assert.is((await ask('25.2.0.192.in-addr.arpa', 'PTR')).answers[0].data, 'mail.example.com');
});

t('names outside every hosted zone and other classes are REFUSED without AA', async () => {
  const r = await ask('example.org', 'A');
  assert.is(r.rcode, 'REFUSED');
  assert.not.ok(r.flag_aa);
  const chaos = query('version.bind', 'TXT');
  chaos.writeUInt16BE(3, chaos.indexOf(Buffer.from([0, 16, 0, 1]), 12) + 2); // class CH
  assert.is((await udp(port, chaos)).rcode, 'REFUSED');
});

t('the same answers over TCP', async () => {
  const r = await tcp(port, query('web.example.com', 'A'));
  assert.is(r.answers.length, 2);
  assert.ok(r.flag_aa);
});

t.run();
