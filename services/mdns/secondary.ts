// A secondary zone (Designate's SECONDARY type): pulled from its primaries on start, on NOTIFY from one of
// them (RFC 1996 §3.7), and on the SOA refresh/retry timers; it stops answering (SERVFAIL) once no primary
// has been reachable for the SOA expire time. Transfers are IXFR from the version held, falling back to AXFR,
// applied and compiled in the pool while the previous version keeps answering.
import { unmappedAddress } from '../../engine/answer/peer.ts';
import type { HostedZone } from '../../engine/answer/zone-table.ts';
import type { CompilePool } from '../../engine/pool/compile-pool.ts';
import type { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import type { AxfrImageOptions } from '../../engine/xfr/axfr-image.ts';
import { fetchTransfer, querySoaSerial, type Primary } from '../../engine/xfr/client.ts';
import { serialNewer } from '../../engine/xfr/serial.ts';
import type { Logger } from '../log.ts';
import { openJournal, recordJournalStep, type JournalPlace } from './journal-step.ts';
import { publishSnapshot } from './publish.ts';

export interface SecondaryOptions {
  primaries: Primary[];
  xfr: AxfrImageOptions;
  journal: JournalPlace;
  onServing?: (zone: HostedZone, snapshot: ZoneSnapshot) => void;
  /** After every refresh that reached a primary, whether or not it brought a new version. */
  onRefreshed?: (zone: HostedZone) => void;
}

/** Until a first version arrives there are no SOA timers: retry this often (seconds). */
const FIRST_RETRY = 10;

export class SecondaryZone {
  readonly zone: HostedZone;
  private readonly pool: CompilePool;
  private readonly options: SecondaryOptions;
  private readonly log: Logger;
  private primaries: Primary[];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private lastSuccess = 0;
  private stopped = false;

  constructor(zone: HostedZone, pool: CompilePool, options: SecondaryOptions, log: Logger) {
    this.zone = zone;
    this.pool = pool;
    this.options = options;
    this.log = log;
    this.primaries = options.primaries;
    zone.onNotify = (peer) => this.notified(peer);
    zone.notifyFrom = this.primaries.map((p) => unmappedAddress(p.host));
  }

  start(): Promise<void> {
    return this.refresh('start');
  }

  /** A transfer asked for from outside (the API's tasks/xfr): at once, not at the next timer. */
  transferNow(): Promise<void> {
    return this.refresh('xfr');
  }

  /**
   * The zone's primaries changed: NOTIFY, the timers and transfers use the new ones from now on. The version held
   * keeps answering; a refresh already under way finishes with the primaries it started with.
   */
  usePrimaries(primaries: Primary[]): void {
    const text = (list: Primary[]) => list.map((p) => `${p.host}:${p.port}${p.key ? ` key ${p.key.nameText}` : ''}`);
    const [before, after] = [text(this.primaries), text(primaries)];
    if (before.join(' ') === after.join(' ')) return;
    this.primaries = primaries;
    this.zone.notifyFrom = primaries.map((p) => unmappedAddress(p.host));
    this.log.info({ zone: this.zone.text, before, after }, 'primaries changed');
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private notified(peer: string): boolean {
    if (!this.zone.acceptsNotifyFrom(peer)) {
      this.log.warn({ zone: this.zone.text, peer }, 'NOTIFY refused: not from a primary of this zone');
      return false;
    }
    this.log.info({ zone: this.zone.text, peer }, 'NOTIFY from primary: refreshing');
    void this.refresh('notify');
    return true;
  }

  /** One refresh at a time; a NOTIFY arriving meanwhile runs another right after. */
  private async refresh(reason: string): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    let ok = false;
    try {
      for (const primary of this.primaries) {
        try {
          await this.pullFrom(primary, reason);
          ok = true;
          break;
        } catch (err) {
          this.log.warn({ zone: this.zone.text, primary: `${primary.host}:${primary.port}`, err: (err as Error).message }, 'refresh from primary failed');
        }
      }
    } finally {
      this.running = false;
    }
    if (ok) {
      this.lastSuccess = Date.now();
      this.options.onRefreshed?.(this.zone);
    }
    this.expireIfStale();
    this.schedule(ok);
    if (this.again) {
      this.again = false;
      await this.refresh('queued');
    }
  }

  private async pullFrom(primary: Primary, reason: string): Promise<void> {
    const zone = this.zone;
    const held = zone.snapshot;
    const theirs = await querySoaSerial(primary, zone.text);
    if (held !== null && !serialNewer(theirs, held.serial)) return; // up to date (RFC 1982)
    const started = performance.now();
    let fetched = await fetchTransfer(primary, zone.text, held?.serial ?? null);
    let result = await this.pool.compileTransfer({ origin: zone.text, messages: fetched.messages, ixfrRequested: fetched.ixfrRequested, base: held?.buffer ?? null });
    if (result.buffer === null && result.kind !== 'current' && fetched.ixfrRequested) {
      // An increment that does not apply to what we hold: take the whole zone instead (RFC 1995 §4).
      this.log.warn({ zone: zone.text, errors: result.errors }, 'IXFR did not apply: falling back to AXFR');
      fetched = await fetchTransfer(primary, zone.text, null);
      result = await this.pool.compileTransfer({ origin: zone.text, messages: fetched.messages, ixfrRequested: false, base: null });
    }
    if (result.kind === 'current') return;
    if (result.buffer === null) throw new Error(`the transferred zone is not valid: ${result.errors.slice(0, 5).join('; ')}`);
    const snapshot = publishSnapshot(zone, result.buffer, this.pool, this.options.xfr, this.log);
    this.log.info({
      zone: zone.text, serial: snapshot.serial, ...(held === null ? {} : { previous: held.serial }), style: result.kind, patched: result.journal !== null,
      primary: `${primary.host}:${primary.port}`, reason, records: result.records, bytes: fetched.bytes, ms: Math.round(performance.now() - started),
    }, 'zone transferred in');
    if (held === null) openJournal(zone, snapshot.serial, this.options.journal, this.log);
    else await recordJournalStep(zone, held, snapshot, this.pool, this.options.journal, this.log, result.journal);
    this.options.onServing?.(zone, snapshot);
  }

  /** RFC 1035 §3.3.13: after `expire` seconds without reaching a primary the zone is no longer authoritative. */
  private expireIfStale(): void {
    const snap = this.zone.snapshot;
    if (snap === null || this.lastSuccess === 0) return;
    if (Date.now() - this.lastSuccess > snap.soa().expire * 1000) {
      this.zone.snapshot = null;
      this.zone.axfr = null;
      this.log.error({ zone: this.zone.text, serial: snap.serial }, 'zone expired: no primary reachable within the SOA expire time');
    }
  }

  private schedule(ok: boolean): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const snap = this.zone.snapshot;
    const seconds = snap === null ? FIRST_RETRY : ok ? snap.soa().refresh : snap.soa().retry;
    this.timer = setTimeout(() => void this.refresh('timer'), Math.max(1, seconds) * 1000);
    this.timer.unref();
  }
}
