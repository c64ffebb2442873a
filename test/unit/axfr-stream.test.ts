// AXFR images rendered while they are sent (engine/xfr/axfr-image.ts): the first message of a large zone is
// there while the pool thread is still rendering, every message comes out exactly as a whole rendering makes
// it, and a rendering that fails ends the transfer short (not "done"), never with a partial image passed off
// as whole.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CompilePool } from '../../engine/pool/compile-pool.ts';
import { allocateAxfrImage, AxfrImage, buildAxfrImage, renderAxfrImage } from '../../engine/xfr/axfr-image.ts';
import { XFR_DEFAULTS } from '../../engine/xfr/options.ts';
import { TransferStream } from '../../engine/xfr/transfer-stream.ts';
import { compile } from '../helpers/compile.ts';

const lines = ['$TTL 300', '@ SOA ns1 hostmaster 9 3600 600 86400 60', '@ NS ns1', 'ns1 A 192.0.2.1'];
for (let i = 0; i < 150_000; i++) lines.push(`host-${i} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `host-${i} TXT "record ${i}"`);
const big = compile('stream.test.', `${lines.join('\n')}\n`);

test('the first message is sent while the pool is still rendering; the whole comes out as one rendering makes it', async () => {
  const pool = new CompilePool(1);
  try {
    const image = new AxfrImage(allocateAxfrImage(big));
    const rendering = pool.renderAxfr({ snapshot: big.buffer, target: image.buffer, ...XFR_DEFAULTS });
    const stream = new TransferStream(image, 4242, new Uint8Array(0), null);
    await stream.ready();
    assert.ok(stream.nextMessage() !== null);
    assert.not.ok(image.complete, 'the first message went out before the rendering ended');
    let sent = 1;
    for (;;) {
      const pending = stream.ready();
      if (pending !== null) await pending;
      if (stream.nextMessage() === null) break;
      sent++;
    }
    assert.ok(stream.done && !stream.failed);
    assert.is(await rendering, sent);
    const whole = new AxfrImage(buildAxfrImage(big, XFR_DEFAULTS));
    assert.is(whole.count, image.count);
    for (let i = 0; i < whole.count; i++) assert.ok(Buffer.from(whole.message(i)).equals(Buffer.from(image.message(i))), `message ${i}`);
  } finally {
    await pool.close();
  }
});

test('a rendering that fails ends the stream short: not done, failed', async () => {
  const small = compile('fail.test.', '$TTL 60\n@ SOA ns1 h 1 1 1 1 1\n@ NS ns1\nns1 A 192.0.2.1\nbig TXT ' + ['a', 'b', 'c'].map((c) => `"${c.repeat(250)}"`).join(' ') + '\n');
  const image = new AxfrImage(allocateAxfrImage(small));
  const stream = new TransferStream(image, 1, new Uint8Array(0), null);
  const waiting = stream.ready();
  assert.ok(waiting !== null, 'nothing rendered yet');
  // A message limit the TXT record cannot fit in: the renderer throws after publishing what fitted.
  assert.throws(() => renderAxfrImage(small, { maxMessageSize: 512, reserve: 0 }, image.buffer));
  await waiting;
  let sent = 0;
  while (stream.ready() === null && stream.nextMessage() !== null) sent++;
  assert.ok(image.failed && stream.failed);
  assert.not.ok(stream.done, 'a short transfer is never done');
  assert.ok(sent >= 1 && sent === image.count);
});

test.run();
