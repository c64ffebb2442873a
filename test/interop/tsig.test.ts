// TSIG (RFC 8945) against real clients: kdig and dig sign requests to a small responder built on
// parseQuery + verifyRequest + TsigSigner and verify its answers, including multi-message AXFR with
// unsigned intermediate messages; dnspython checks the chained transfer and the signed BADTIME answer.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { parseTsigKeySpec, TSIG_ALGORITHMS, TsigKeyring } from '../../engine/tsig/keys.ts';
import { AXFR_MESSAGES, startTsigResponder, type TsigResponder } from '../helpers/tsig-responder.ts';
import { tool } from '../helpers/tools.ts';

const kdig = tool('kdig', 'knot-dnsutils');
const dig = tool('dig', 'bind9-dnsutils');
const run = promisify(execFile);

// One key per algorithm (`hmac-md5.keys.test.`…), plus `key.` (hmac-sha256) as in the kdig manual.
const specs = [
  ...TSIG_ALGORITHMS.map((a) => `${a.mnemonic}:${a.mnemonic}.keys.test.:${randomBytes(a.digestLength).toString('base64')}`),
  `hmac-sha256:key.:${randomBytes(32).toString('base64')}`,
];
const WRONG = randomBytes(32).toString('base64');

interface Ctx { good: TsigResponder; tampered: TsigResponder }
const t = suite<Ctx>('tsig interop');

t.before(async (ctx) => {
  const ring = new TsigKeyring();
  for (const spec of specs) ring.add(parseTsigKeySpec(spec));
  ctx.good = await startTsigResponder(ring);
  ctx.tampered = await startTsigResponder(ring, true);
});

t.after(async (ctx) => {
  await ctx.good.close();
  await ctx.tampered.close();
});

async function client(binary: string, args: string[]): Promise<string> {
  // Both exit 0 on TSIG failures and report them in their output: judge the text, stderr included.
  const { stdout, stderr } = await run(binary, args, { timeout: 10_000 });
  return stdout + stderr;
}

const kdigArgs = (spec: string, port: number, ...q: string[]) =>
  ['-y', spec, '@127.0.0.1', '-p', String(port), '+retry=0', '+time=3', ...q];
const digArgs = (spec: string, port: number, ...q: string[]) =>
  ['-y', spec, '@127.0.0.1', '-p', String(port), '+tries=1', '+time=3', '+norecurse', ...q];
/** The clients' own remarks (`;;` lines): TSIG RR lines carry base64 MACs that may spell anything. */
const remarks = (out: string) => out.split('\n').filter((l) => l.startsWith(';;')).join('\n');
const SOA = /example\.com\.\s+3600\s+IN\s+SOA\s+ns\.example\.com\. admin\.example\.com\. 1 7200 3600 1209600 300/;

t('kdig: a signed SOA query is answered and the answer verifies, for every algorithm', async (ctx) => {
  if (!kdig) return;
  for (const spec of specs) {
    const out = await client(kdig, kdigArgs(spec, ctx.good.port, 'example.com', 'SOA'));
    const alg = spec.split(':')[0];
    assert.match(out, /status: NOERROR/, `${alg}: ${out}`);
    assert.match(out, SOA);
    assert.match(out, new RegExp(`;; TSIG PSEUDOSECTION:\\s*\\n\\S+\\s+0\\s+ANY\\s+TSIG\\s+${alg}`), out);
    assert.not.match(remarks(out), /WARNING|\bERROR\b|fail|\bbad/i, `${alg}: ${out}`);
  }
});

t('kdig: a response altered after signing is refused (the check above is real)', async (ctx) => {
  if (!kdig) return;
  const out = await client(kdig, kdigArgs(specs[3], ctx.tampered.port, 'example.com', 'SOA'));
  assert.match(out, /failed to verify TSIG/, out);
});

t('kdig: wrong secret → NOTAUTH with BADSIG, unknown key → BADKEY, both with an empty MAC', async (ctx) => {
  if (!kdig) return;
  const [alg, name] = specs[3].split(':');
  let out = await client(kdig, kdigArgs(`${alg}:${name}:${WRONG}`, ctx.good.port, 'example.com', 'SOA'));
  assert.match(out, /status: BADSIG/, out); // kdig shows the TSIG error in place of NOTAUTH
  assert.match(out, new RegExp(`TSIG\\s+${alg}\\. \\d+ 300 0 \\d+ BADSIG 0`), out);
  out = await client(kdig, kdigArgs(`${alg}:unknown.keys.test.:${WRONG}`, ctx.good.port, 'example.com', 'SOA'));
  assert.match(out, /status: BADKEY/, out);
  assert.match(out, new RegExp(`unknown\\.keys\\.test\\.\\s+0\\s+ANY\\s+TSIG\\s+${alg}\\. \\d+ 300 0 \\d+ BADKEY 0`), out);
});

t('kdig: AXFR over TCP with every third message unsigned is received without complaint', async (ctx) => {
  if (!kdig) return;
  // kdig 3.2 checks the TSIG of the first transfer message only (a tampered later message, signed or
  // not, goes unnoticed), so this shows the first message right; dig and dnspython check the chain.
  const out = await client(kdig, kdigArgs(specs[6], ctx.good.port, '+tcp', 'example.com', 'AXFR'));
  assert.match(out, new RegExp(`\\(${AXFR_MESSAGES} messages, ${AXFR_MESSAGES} records\\)`), out);
  assert.not.match(remarks(out), /WARNING|\bERROR\b|fail|\bbad/i, out);
});

t('dig: hmac-sha512 and hmac-md5 answers verify; wrong secret → NOTAUTH BADSIG; tampering is caught', async (ctx) => {
  if (!dig) return;
  for (const spec of [specs[5], specs[0]]) {
    const out = await client(dig, digArgs(spec, ctx.good.port, 'example.com', 'SOA'));
    assert.match(out, /status: NOERROR/, out);
    assert.match(out, SOA);
    assert.match(out, /;; TSIG PSEUDOSECTION:/);
    assert.not.match(remarks(out), /WARNING|Couldn't verify|could not be validated|fail/i, out);
  }
  const [alg, name] = specs[5].split(':');
  const wrong = await client(dig, digArgs(`${alg}:${name}:${WRONG}`, ctx.good.port, 'example.com', 'SOA'));
  assert.match(wrong, /status: NOTAUTH/, wrong);
  assert.match(wrong, /TSIG\s+hmac-sha512\. \d+ 300 0 \d+ BADSIG 0/, wrong);
  const bad = await client(dig, digArgs(specs[5], ctx.tampered.port, 'example.com', 'SOA'));
  assert.match(bad, /Couldn't verify|could not be validated|failure/i, bad);
});

t('dig: AXFR with unsigned intermediate messages verifies; a tampered one fails', async (ctx) => {
  if (!dig) return;
  const out = await client(dig, digArgs(specs[5], ctx.good.port, 'example.com', 'AXFR'));
  assert.match(out, new RegExp(`XFR size: ${AXFR_MESSAGES} records \\(messages ${AXFR_MESSAGES},`), out);
  assert.not.match(remarks(out), /WARNING|Couldn't verify|could not be validated|fail/i, out);
  // dig prints every message, and flags the signed message following the altered unsigned one.
  const bad = await client(dig, digArgs(specs[5], ctx.tampered.port, 'example.com', 'AXFR'));
  assert.match(bad, /Couldn't verify signature: tsig verify failure/, bad);
  assert.match(bad, /Some TSIG could not be validated/, bad);
});

// dnspython as an independent verifier: xfr() checks every message's TSIG, chaining unsigned ones into
// the next signed one (dns/message.py); the BADTIME answer is checked with dnspython's own digest.
const DNSPYTHON = String.raw`
import sys, json, time, socket, struct, hmac
import dns.message, dns.query, dns.tsig, dns.rdata, dns.rdataclass, dns.rdatatype, dns.rcode
good, tampered = int(sys.argv[1]), int(sys.argv[2])
wire_alg = {'hmac-md5': 'hmac-md5.sig-alg.reg.int'}
keys = [dns.tsig.Key(n, s, wire_alg.get(a, a)) for a, n, s in (spec.split(':') for spec in json.loads(sys.argv[3]))]
out = {'udp': [], 'xfr': [], 'tampered': None, 'badtime': None}
for key in keys:
    q = dns.message.make_query('example.com.', 'SOA')
    q.use_tsig(key)
    r = dns.query.udp(q, '127.0.0.1', port=good, timeout=3)
    out['udp'].append([key.algorithm.to_text().lower(), dns.rcode.to_text(r.rcode()), r.had_tsig])
key = keys[-2]
for m in dns.query.xfr('127.0.0.1', 'example.com.', port=good, keyring=key, timeout=3, lifetime=5):
    out['xfr'].append([m.had_tsig, sum(len(rrset) for rrset in m.answer)])
try:
    for m in dns.query.xfr('127.0.0.1', 'example.com.', port=tampered, keyring=key, timeout=3, lifetime=5):
        pass
except Exception as e:
    out['tampered'] = type(e).__name__
# BADTIME: sign 1000 s in the past, then check the answer's MAC (RFC 8945 §5.2.3, §5.3.2).
q = dns.message.make_query('example.com.', 'SOA')
q.use_tsig(key)
real = time.time
time.time = lambda: real() - 1000
try:
    wire = q.to_wire()
finally:
    time.time = real
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(3)
sock.sendto(wire, ('127.0.0.1', good))
resp = sock.recv(4096)
owner = key.name.to_wire()
start = resp.rfind(owner + b'\x00\xfa\x00\xff')
rdstart = start + len(owner) + 10
rdlen = struct.unpack('!H', resp[rdstart - 2:rdstart])[0]
rd = dns.rdata.from_wire(dns.rdataclass.ANY, dns.rdatatype.TSIG, resp, rdstart, rdlen)
arcount = struct.unpack('!H', resp[10:12])[0]
unsigned = resp[0:10] + struct.pack('!H', arcount - 1) + resp[12:start]
mac = dns.tsig._digest(unsigned, key, rd, None, q.mac).sign()
out['badtime'] = {
    'rcode': resp[3] & 15, 'error': rd.error, 'mac_ok': hmac.compare_digest(mac, rd.mac),
    'time_signed_is_request': rd.time_signed == q.tsig[0].time_signed,
    'server_time_skew': abs(int.from_bytes(rd.other, 'big') - int(real())) if len(rd.other) == 6 else None,
}
print(json.dumps(out))
`;

/** Runs the script with the first python3 that has dnspython; null (after a notice) when none has. */
async function dnspython(args: string[]): Promise<string | null> {
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      return (await run(python, ['-c', DNSPYTHON, ...args], { timeout: 30_000 })).stdout;
    } catch (e) {
      const err = e as { code?: unknown; stderr?: string };
      if (err.code !== 'ENOENT' && !/No module named 'dns'/.test(err.stderr ?? '')) throw e;
    }
  }
  console.log('  (skipped: dnspython not found: apt-get install python3-dnspython)');
  return null;
}

t('dnspython: signed answers, chained AXFR with unsigned messages, a tampered AXFR, the BADTIME answer', async (ctx) => {
  const stdout = await dnspython([String(ctx.good.port), String(ctx.tampered.port), JSON.stringify(specs)]);
  if (stdout === null) return;
  const out = JSON.parse(stdout);
  const algName = (mnemonic: string) => (mnemonic === 'hmac-md5' ? 'hmac-md5.sig-alg.reg.int.' : `${mnemonic}.`);
  assert.equal(out.udp, specs.map((s) => [algName(s.split(':')[0]), 'NOERROR', true]));
  assert.equal(out.xfr, Array.from({ length: AXFR_MESSAGES }, (_, i) => [!(i % 3 === 1 && i !== AXFR_MESSAGES - 1), 1]));
  assert.is(out.tampered, 'BadSignature');
  const { server_time_skew: skew, ...badtime } = out.badtime;
  assert.equal(badtime, { rcode: 9, error: 18, mac_ok: true, time_signed_is_request: true });
  assert.ok(skew !== null && skew <= 2, `Other Data is not the server's time (skew ${skew})`);
});

t.run();
