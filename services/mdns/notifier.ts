// Announces each new serial to the zone's NOTIFY targets (Designate's also_notifies) through the pool,
// and logs one summary line per zone change. Targets sharing a TSIG key share one fan-out.
import { isIP } from 'node:net';
import type { HostedZone } from '../../engine/answer/zone-table.ts';
import { nameToText } from '../../engine/codec/name.ts';
import type { NotifySoa } from '../../engine/notify/packet.ts';
import { notifySummary, type NotifyPool } from '../../engine/notify/notify-pool.ts';
import type { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import type { TsigKey, TsigKeyring } from '../../engine/tsig/keys.ts';
import type { Logger } from '../log.ts';
import { parseEndpoint } from './endpoint.ts';

export interface NotifyTargetSpec {
  host: string;
  port: number;
  key: TsigKey | null;
}

export interface NotifierOptions {
  targets: NotifyTargetSpec[];
  /** Retransmissions after the first datagram (RFC 1996 §3.6). */
  retries: number;
  initialTimeoutMs: number;
}

export const NOTIFY_DEFAULTS = { retries: 5, initialTimeoutMs: 1000 };

/** A NOTIFY target or a primary: `HOST:PORT` (port 53 when omitted), `HOST:PORT,key=NAME` to sign with a defined key. */
export function parseRemote(text: string, keyring: TsigKeyring): NotifyTargetSpec {
  const [address, ...params] = text.split(',');
  const { host, port } = parseEndpoint(address, 53);
  if (isIP(host) === 0) throw new Error(`'${text}': the host must be an IP address`);
  let key: TsigKey | null = null;
  for (const param of params) {
    const m = /^key=(.+)$/.exec(param);
    if (!m) throw new Error(`'${text}': unknown parameter '${param}'`);
    const name = m[1].toLowerCase().replace(/\.?$/, '.');
    key = [...keyring].find((k) => k.nameText === name) ?? null;
    if (key === null) throw new Error(`'${text}': no TSIG key named ${name} (define it with --tsig)`);
  }
  return { host, port, key };
}

export class Notifier {
  private readonly pool: NotifyPool;
  private readonly options: NotifierOptions;
  private readonly log: Logger;

  constructor(pool: NotifyPool, options: NotifierOptions, log: Logger) {
    this.pool = pool;
    this.options = options;
    this.log = log;
  }

  /** Fire and forget: a fan-out may run through minutes of retries, which nothing should wait on. */
  /** `targets` overrides the defaults for this zone (zones.yaml also_notify). */
  announce(zone: HostedZone, snapshot: ZoneSnapshot, targets: NotifyTargetSpec[] | null = null): void {
    targets ??= this.options.targets;
    if (targets.length === 0) return;
    const soa = soaOf(snapshot);
    const byKey = new Map<TsigKey | null, NotifyTargetSpec[]>();
    for (const t of targets) {
      const group = byKey.get(t.key);
      if (group) group.push(t);
      else byKey.set(t.key, [t]);
    }
    for (const [key, group] of byKey) {
      const request = {
        zone: zone.text, soa, retries: this.options.retries, initialTimeoutMs: this.options.initialTimeoutMs,
        targets: group.map(({ host, port }) => ({ host, port })),
        ...(key === null ? {} : { tsig: `${key.algorithm.mnemonic}:${key.nameText}:${key.secret.toString('base64')}` }),
      };
      this.pool.notify(request).then(
        (outcomes) => {
          const summary = notifySummary(request, outcomes);
          const failed = outcomes.filter((o) => o.status !== 'acknowledged').map((o) => `${o.host}:${o.port} ${o.status}${o.rcode ? ` ${o.rcode}` : ''}`);
          const fields = { ...summary, key: key?.nameText, ...(failed.length ? { failed: failed.slice(0, 20) } : {}) };
          if (failed.length) this.log.warn(fields, 'notify sent: some targets did not acknowledge');
          else this.log.info(fields, 'notify sent');
        },
        (err: Error) => this.log.error({ zone: zone.text, err: err.message }, 'notify failed'),
      );
    }
  }
}

function soaOf(snap: ZoneSnapshot): NotifySoa {
  const soa = snap.soa();
  return { ...soa, mname: nameToText(snap.bytes, soa.mname), rname: nameToText(snap.bytes, soa.rname) };
}
