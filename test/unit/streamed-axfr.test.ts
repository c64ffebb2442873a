// AXFRs rendered from master-file text as it arrives (engine/xfr/streamed-axfr.ts): messages go out before
// the last chunk is in, the SOA opens and closes the transfer (the SOA in the text is not sent twice), the
// records are those the compiled zone's AXFR image holds, and text that stops short or does not parse ends
// the stream short, never passed off as whole.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import dnsPacket from 'dns-packet';
import { AxfrImage, buildAxfrImage } from '../../engine/xfr/axfr-image.ts';
import { XFR_DEFAULTS } from '../../engine/xfr/options.ts';
import { StreamedAxfr, StreamedAxfrError } from '../../engine/xfr/streamed-axfr.ts';
import { TransferStream, type MessageSource } from '../../engine/xfr/transfer-stream.ts';
import { compile } from '../helpers/compile.ts';

const SOA = 'stream.test. 300 IN SOA ns1.stream.test. hostmaster.stream.test. 9 3600 600 86400 60\n';
const chunks: Uint8Array[] = [];
for (let c = 0; c < 20; c++) {
  const lines: string[] = [];
  if (c === 7) lines.push(SOA); // where the database happens to return it
  if (c === 0) lines.push('stream.test. 300 IN NS ns1.stream.test.\n', 'ns1.stream.test. 300 IN A 192.0.2.1\n');
  for (let i = c * 1000; i < (c + 1) * 1000; i++) lines.push(`host-${i}.stream.test. 60 IN A 10.0.${(i >> 8) & 255}.${i & 255}\n`, `host-${i}.stream.test. 60 IN TXT "record ${i}"\n`);
  chunks.push(Buffer.from(lines.join('')));
}

/** Every RR of a source's messages, in order, as dns-packet reads them. */
function answers(source: MessageSource): string[] {
  const out: string[] = [];
  for (let i = 0; i < source.count; i++) {
    for (const rr of (dnsPacket.decode(Buffer.from(source.message(i))).answers ?? []) as { name: string; type: string; ttl: number; data: unknown }[]) {
      out.push(JSON.stringify([rr.name.toLowerCase(), rr.type, rr.ttl, rr.data]));
    }
  }
  return out;
}

test('messages go out while chunks still arrive; SOA first and last; the records the compiled image holds', async () => {
  const axfr = new StreamedAxfr('stream.test.', SOA, XFR_DEFAULTS);
  const stream = new TransferStream(axfr, 7, new Uint8Array(0), null);
  const waiting = stream.ready();
  assert.ok(waiting !== null, 'nothing rendered before the first chunk');
  for (const chunk of chunks.slice(0, 5)) axfr.push(chunk);
  await waiting;
  assert.ok(stream.nextMessage() !== null, 'a message before the last chunk');
  assert.not.ok(axfr.complete);
  for (const chunk of chunks.slice(5)) axfr.push(chunk);
  assert.not.ok(stream.done, 'not done before end()');
  axfr.end();
  while (stream.ready() === null && stream.nextMessage() !== null);
  assert.ok(stream.done && !stream.failed);

  const sent = answers(axfr);
  const image = new AxfrImage(buildAxfrImage(compile('stream.test.', Buffer.concat(chunks).toString()), XFR_DEFAULTS));
  const expected = answers(image);
  assert.is(sent[0], expected[0], 'the SOA first');
  assert.is(sent.at(-1), expected[0], 'the SOA last');
  assert.is(sent.length, expected.length, 'the SOA in the text is not sent again');
  assert.equal([...sent].sort(), [...expected].sort());
  assert.is(axfr.records, sent.length);
});

test('a chunk that does not parse, or a read that stops short, fails the stream: never done', async () => {
  const bad = new StreamedAxfr('stream.test.', SOA, XFR_DEFAULTS);
  bad.push(chunks[0]);
  bad.push(Buffer.from('host.stream.test. 60 IN A not-an-address\n'));
  assert.ok(bad.failed);
  bad.end();
  assert.not.ok(bad.complete, 'end() after a failure does not complete it');

  const short = new StreamedAxfr('stream.test.', SOA, XFR_DEFAULTS);
  const stream = new TransferStream(short, 1, new Uint8Array(0), null);
  short.push(chunks[0]);
  const waiting = short.whenAvailable(short.count);
  short.fail();
  await waiting;
  while (stream.ready() === null && stream.nextMessage() !== null);
  assert.ok(stream.failed);
  assert.not.ok(stream.done, 'a short transfer is never done');
});

test('an SOA that is not one is refused at once', () => {
  assert.throws(() => new StreamedAxfr('stream.test.', 'stream.test. 300 IN NS ns1.stream.test.\n', XFR_DEFAULTS), (e: unknown) => e instanceof StreamedAxfrError);
  assert.throws(() => new StreamedAxfr('stream.test.', 'stream.test. 300 IN SOA ns1 broken\n', XFR_DEFAULTS), (e: unknown) => e instanceof StreamedAxfrError);
});

test.run();
