// Two transfer requests that both wait for a zone's AXFR image must each get their own message ID: the
// service once kept one parsed request for all, so the later ID leaked into the earlier transfer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HostedZone, ZoneTable } from '../../engine/answer/zone-table.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import { TransferAcl } from '../../engine/net/acl.ts';
import { TsigKeyring } from '../../engine/tsig/keys.ts';
import { AxfrImage, buildAxfrImage } from '../../engine/xfr/axfr-image.ts';
import { XFR_DEFAULTS } from '../../engine/xfr/options.ts';
import { TransferService } from '../../engine/xfr/service.ts';
import { query } from '../helpers/client.ts';
import { compile } from '../helpers/compile.ts';

test('concurrent transfers awaiting the image keep their own IDs', async () => {
  const zones = new ZoneTable();
  const zone = new HostedZone(nameFromText('x.test.'));
  zone.snapshot = compile('x.test.', '$TTL 60\n@ SOA ns1 h 1 1 1 1 1\n@ NS ns1\nns1 A 192.0.2.1\n');
  let release!: (image: AxfrImage) => void;
  const image = new Promise<AxfrImage>((resolve) => { release = resolve; });
  zone.axfr = () => image;
  zones.add(zone);
  const quiet = { info: () => {}, warn: () => {} };
  const service = new TransferService(zones, { defaultAcl: new TransferAcl(['127.0.0.1']), ...XFR_DEFAULTS, keyring: new TsigKeyring(), log: quiet });
  const first = service.request(query('x.test', 'AXFR', { id: 111, edns: false }), '127.0.0.1')!;
  const second = service.request(query('x.test', 'AXFR', { id: 222, edns: false }), '127.0.0.1')!;
  release(new AxfrImage(buildAxfrImage(zone.snapshot, XFR_DEFAULTS)));
  const ids = await Promise.all([first, second].map(async (p) => {
    const reply = await p;
    assert.is(reply.kind, 'stream');
    const [prefix] = (reply as { stream: { nextMessage(): Uint8Array[] } }).stream.nextMessage();
    return (prefix[2] << 8) | prefix[3];
  }));
  assert.equal(ids, [111, 222]);
});

test.run();
