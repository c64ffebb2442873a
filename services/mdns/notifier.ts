// Announces each new serial to the zone's NOTIFY targets (Designate's also_notifies) through the pool,
// and logs one summary line per zone change. Targets sharing a TSIG key share one fan-out.
import { isIP } from 'node:net';
import type { HostedZone } from '../../engine/answer/zone-table.ts';
import { nameToText } from '../../engine/codec/name.ts';
import type { NotifyOutcome } from '../../engine/notify/fanout.ts';
import type { NotifySoa } from '../../engine/notify/packet.ts';
import { notifySummary, type NotifyPool } from '../../engine/notify/notify-pool.ts';
import type { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import { tsigKeySpec, type TsigKey, type TsigKeyring } from '../../engine/tsig/keys.ts';
import type { Logger } from '../log.ts';
import { countNotifyOutcomes } from '../metrics/notify.ts';
import { parseEndpoint } from './endpoint.ts';
import type { NotifyLedger } from './notify-ledger.ts';

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
  /** Serials already acknowledged, which are not NOTIFYed again (after a restart). */
  ledger?: NotifyLedger;
}

export const NOTIFY_DEFAULTS = { retries: 5, initialTimeoutMs: 1000 };

/** A NOTIFY target or a primary: `HOST:PORT` (port 53 when omitted), `HOST:PORT,key=NAME` to sign with a defined key. */
export function parseRemote(text: string, keyring: TsigKeyring): NotifyTargetSpec {
  const [address, ...params] = text.split(',');
  const { host, port } = parseEndpoint(address, 53, 'address');
  if (isIP(host) === 0) throw new Error(`'${text}': the host must be an IP address`);
  let key: TsigKey | null = null;
  for (const param of params) {
    const m = /^key=(.+)$/.exec(param);
    if (!m) throw new Error(`'${text}': unknown parameter '${param}'`);
    const name = m[1].toLowerCase().replace(/\.?$/, '.');
    key = [...keyring].find((k) => k.nameText === name) ?? null;
    if (key === null) throw new Error(`'${text}': no TSIG key named ${name} (define it in [service:mdns] tsig_keys, or with --tsig)`);
  }
  return { host, port, key };
}

export class Notifier {
  private readonly pool: NotifyPool;
  private readonly options: NotifierOptions;
  private readonly log: Logger;
  /** Per zone, the stop flags of the fan-outs under way: a newer serial stops them (fanout.ts `superseded`). */
  private readonly running = new Map<string, Int32Array[]>();

  constructor(pool: NotifyPool, options: NotifierOptions, log: Logger) {
    this.pool = pool;
    this.options = options;
    this.log = log;
  }

  /**
   * Fire and forget: a fan-out may run through minutes of retries, which nothing should wait on. One for a
   * newer serial stops those still retrying for this zone, and targets that already acknowledged this
   * serial are left out. `targets` overrides the defaults for this zone (zones.yaml also_notify).
   */
  announce(zone: HostedZone, snapshot: ZoneSnapshot, targets: NotifyTargetSpec[] | null = null): void {
    targets ??= this.options.targets;
    if (targets.length === 0) return;
    const soa = soaOf(snapshot);
    const ledger = this.options.ledger;
    for (const flag of this.running.get(zone.text) ?? []) Atomics.store(flag, 0, 1);
    const flags: Int32Array[] = [];
    this.running.set(zone.text, flags);
    const byKey = new Map<TsigKey | null, NotifyTargetSpec[]>();
    let skipped = 0;
    for (const t of targets) {
      if (ledger?.acknowledged(zone.text, targetId(t)) === soa.serial) {
        skipped++;
        continue;
      }
      const group = byKey.get(t.key);
      if (group) group.push(t);
      else byKey.set(t.key, [t]);
    }
    if (skipped > 0) this.log.info({ zone: zone.text, serial: soa.serial, skipped }, 'notify skipped: those targets acknowledged this serial already');
    for (const [key, group] of byKey) {
      const superseded = new SharedArrayBuffer(4);
      flags.push(new Int32Array(superseded));
      const request = {
        zone: zone.text, soa, retries: this.options.retries, initialTimeoutMs: this.options.initialTimeoutMs, superseded,
        targets: group.map(({ host, port }) => ({ host, port })),
        ...(key === null ? {} : { tsig: tsigKeySpec(key) }),
      };
      this.pool.notify(request).then(
        (outcomes) => {
          countNotifyOutcomes('mdns', outcomes);
          outcomes.forEach((o, i) => {
            if (o.status === 'acknowledged') ledger?.record(zone.text, targetId(group[i]), soa.serial);
          });
          const summary = notifySummary(request, outcomes);
          const failed = outcomes.filter((o) => o.status !== 'acknowledged' && o.status !== 'superseded').map(describeFailure);
          const fields = { ...summary, key: key?.nameText, ...(failed.length ? { failed: failed.slice(0, 20) } : {}) };
          if (failed.length) this.log.warn(fields, 'notify sent: some targets did not acknowledge');
          else if (summary.superseded > 0) this.log.info(fields, 'notify superseded by a newer serial');
          else this.log.info(fields, 'notify sent');
        },
        (err: Error) => this.log.error({ zone: zone.text, err: err.message }, 'notify failed'),
      ).finally(() => {
        const at = flags.findIndex((f) => f.buffer === superseded);
        if (at >= 0) flags.splice(at, 1);
        if (flags.length === 0 && this.running.get(zone.text) === flags) this.running.delete(zone.text);
      });
    }
  }

  /** The zone is no longer served: nothing more is sent for it, and its acknowledgements are forgotten. */
  removed(zone: HostedZone): void {
    for (const flag of this.running.get(zone.text) ?? []) Atomics.store(flag, 0, 1);
    this.running.delete(zone.text);
    this.options.ledger?.forget(zone.text);
  }

  close(): void {
    this.options.ledger?.close();
  }
}

/** How the ledger names a target: its address and the key NOTIFYs to it are signed with. */
function targetId(t: NotifyTargetSpec): string {
  return `${t.host}:${t.port}${t.key === null ? '' : ` key=${t.key.nameText}`}`;
}

function soaOf(snap: ZoneSnapshot): NotifySoa {
  const soa = snap.soa();
  return { ...soa, mname: nameToText(snap.bytes, soa.mname), rname: nameToText(snap.bytes, soa.rname) };
}

/** One target's failure as the log says it: `HOST:PORT error NOTAUTH BADKEY`, `HOST:PORT timeout`. */
function describeFailure(o: NotifyOutcome): string {
  return [`${o.host}:${o.port}`, o.status, o.rcode, o.tsigError, o.reason].filter((x) => x !== undefined).join(' ');
}
