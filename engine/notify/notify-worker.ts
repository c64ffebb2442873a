// Pool task: one zone change's NOTIFY fan-out. It is I/O-bound, but 10,000 targets still cost a few hundred
// milliseconds of sends and reply parsing, which stay off the thread that answers queries. A TSIG key crosses
// as its `kdig -y` text (functions cannot cross threads) and signs every datagram here.
import { signRequest } from '../tsig/client.ts';
import { parseTsigKeySpec } from '../tsig/keys.ts';
import { notifyAll, type NotifyOutcome } from './fanout.ts';
import type { PoolNotifyRequest } from './notify-pool.ts';

export default function notifyTask(request: PoolNotifyRequest): Promise<NotifyOutcome[]> {
  const { tsig, ...rest } = request;
  if (tsig === undefined) return notifyAll(rest);
  const key = parseTsigKeySpec(tsig);
  return notifyAll({ ...rest, sign: (buf, len, capacity) => signRequest(buf, len, capacity, key, Math.floor(Date.now() / 1000)).len });
}
