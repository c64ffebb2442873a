// Serves the SECONDARY zones kept in the database: each is transferred in from the masters stored with it
// (secondary.ts: on start, on NOTIFY from a master, on its SOA timers, and at once on any change through the
// API: a PATCH, which may replace its masters, or tasks/xfr). Every version that starts serving, and the
// version held after the refresh a change asked for, is reported on the bus as 'zone.served', which makes
// the zone ACTIVE with that serial.
import { nameFromText } from '../../engine/codec/name.ts';
import { HostedZone, type ZoneTable } from '../../engine/answer/zone-table.ts';
import type { TransferPolicy } from '../../engine/net/acl.ts';
import type { CompilePool } from '../../engine/pool/compile-pool.ts';
import type { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import type { AxfrImageOptions } from '../../engine/xfr/axfr-image.ts';
import type { Primary } from '../../engine/xfr/client.ts';
import type { JournalLimits } from '../../engine/xfr/journal.ts';
import type { Logger } from '../log.ts';
import type { Bus, ZoneChanged } from '../messaging/bus.ts';
import { NotFoundError, type HostPort, type Storage, type Zone } from '../storage/storage.ts';
import { SecondaryZone } from './secondary.ts';
import { storedZonesOfType } from './zone-listing.ts';

export interface StoredSecondariesOptions {
  xfr: AxfrImageOptions;
  journal: JournalLimits;
  onServing?: (zone: HostedZone, snapshot: ZoneSnapshot) => void;
  onRemoved?: (zone: HostedZone) => void;
  /** Who may transfer the zone out (stored-tsigkeys.ts); absent: the server's allow_transfer. */
  transferPolicy?: (stored: Zone) => TransferPolicy;
}

export class StoredSecondaries {
  private readonly zones: ZoneTable;
  private readonly pool: CompilePool;
  private readonly storage: Storage;
  private readonly bus: Bus;
  private readonly options: StoredSecondariesOptions;
  private readonly log: Logger;
  private readonly hosted = new Map<string, SecondaryZone>();
  /**
   * Zones whose next successful refresh is reported: one that brought a new version, or one a change asked for
   * (a PATCH leaves the zone PENDING even when its masters have nothing newer than the version held).
   */
  private readonly unreported = new Set<string>();
  /** Per zone, the masters read that applies when it ends: reads of quick successive changes may end out of order. */
  private readonly latestRead = new Map<string, number>();
  private reads = 0;
  /** Zones whose masters are being read to host them. */
  private readonly hosting = new Set<string>();
  private unsubscribe: (() => void) | null = null;

  constructor(zones: ZoneTable, pool: CompilePool, storage: Storage, bus: Bus, options: StoredSecondariesOptions, log: Logger) {
    this.zones = zones;
    this.pool = pool;
    this.storage = storage;
    this.bus = bus;
    this.options = options;
    this.log = log;
  }

  /** Hosts every stored secondary zone; their first transfers run in the background. */
  async start(): Promise<number> {
    this.unsubscribe = this.bus.subscribe('zone.changed', (change) => this.changed(change));
    for await (const zone of storedZonesOfType(this.storage, 'SECONDARY')) await this.host(zone);
    return this.hosted.size;
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const secondary of this.hosted.values()) secondary.stop();
  }

  private async changed(change: ZoneChanged): Promise<void> {
    if (change.action === 'DELETE') return this.remove(change.zoneId);
    const held = this.hosted.get(change.zoneId);
    if (held) return this.refreshChanged(change.zoneId, held);
    if (change.action !== 'CREATE') return; // a zone not held that changes is a primary
    let zone: Zone;
    try {
      zone = await this.storage.transaction((tx) => tx.getZone(change.zoneId));
    } catch (err) {
      if (err instanceof NotFoundError) return;
      throw err;
    }
    if (zone.type === 'SECONDARY') await this.host(zone);
  }

  /** A held zone changed: its masters are read again (a PATCH may have replaced them) and it refreshes at once. */
  private async refreshChanged(zoneId: string, secondary: SecondaryZone): Promise<void> {
    const ticket = ++this.reads;
    this.latestRead.set(zoneId, ticket);
    const masters = await this.storage.transaction((tx) => tx.zoneMasters(zoneId));
    // A later change's read applies instead, or the zone was deleted meanwhile.
    if (this.latestRead.get(zoneId) !== ticket || this.hosted.get(zoneId) !== secondary) return;
    this.latestRead.delete(zoneId);
    secondary.usePrimaries(primaries(masters));
    this.unreported.add(zoneId);
    await secondary.transferNow();
  }

  private async host(stored: Zone): Promise<void> {
    // A change and the periodic sync may both find the zone new: one of them hosts it.
    if (this.hosted.has(stored.id) || this.hosting.has(stored.id)) return;
    this.hosting.add(stored.id);
    let masters: HostPort[];
    try {
      masters = await this.storage.transaction((tx) => tx.zoneMasters(stored.id));
    } finally {
      this.hosting.delete(stored.id);
    }
    if (this.hosted.has(stored.id)) return;
    let zone: HostedZone;
    try {
      zone = new HostedZone(nameFromText(stored.name));
      zone.transferAcl = this.options.transferPolicy?.(stored) ?? null;
      this.zones.add(zone);
    } catch (err) {
      this.log.error({ zone: stored.name, zoneId: stored.id, err: (err as Error).message }, 'stored secondary zone not served');
      return;
    }
    const secondary = new SecondaryZone(zone, this.pool, {
      primaries: primaries(masters),
      xfr: this.options.xfr,
      journal: { dir: null, limits: this.options.journal },
      onServing: (z, snapshot) => {
        this.options.onServing?.(z, snapshot);
        this.unreported.add(stored.id);
      },
      onRefreshed: (z) => this.report(stored.id, z),
    }, this.log);
    this.hosted.set(stored.id, secondary);
    this.log.info({ zone: zone.text, zoneId: stored.id, masters: masters.map((m) => `${m.host}:${m.port}`) }, 'secondary zone from storage: transferring in');
    void secondary.start();
  }

  /**
   * For the periodic sync with storage (stored-sync.ts): hosts a stored secondary this instance missed. One
   * still PENDING with no refresh under way missed its change (or the report was lost): its masters are read
   * again and it refreshes now, which reports it.
   */
  catchUp(stored: Zone): boolean {
    const held = this.hosted.get(stored.id);
    const failed = (err: Error) => this.log.error({ zone: stored.name, zoneId: stored.id, err: err.message }, 'secondary zone not caught up');
    if (held === undefined) {
      void this.host(stored).catch(failed);
      return true;
    }
    if (stored.status !== 'PENDING' || this.unreported.has(stored.id)) return false;
    void this.refreshChanged(stored.id, held).catch(failed);
    return true;
  }

  heldIds(): Iterable<string> {
    return this.hosted.keys();
  }

  drop(zoneId: string): void {
    this.remove(zoneId);
  }

  private report(zoneId: string, zone: HostedZone): void {
    const serial = zone.snapshot?.serial;
    if (serial === undefined || !this.unreported.delete(zoneId)) return;
    void this.bus.publish('zone.served', { zoneId, serial, host: this.bus.host }).catch((err: Error) =>
      this.log.error({ zoneId, err: err.message }, 'zone.served not published'));
  }

  private remove(zoneId: string): void {
    const secondary = this.hosted.get(zoneId);
    if (!secondary) return;
    secondary.stop();
    this.hosted.delete(zoneId);
    this.unreported.delete(zoneId);
    this.latestRead.delete(zoneId);
    this.zones.remove(secondary.zone);
    this.options.onRemoved?.(secondary.zone);
    this.log.info({ zone: secondary.zone.text, zoneId }, 'secondary zone deleted: no longer served');
  }
}

/** Masters stored for API-created secondaries carry no TSIG key. */
function primaries(masters: HostPort[]): Primary[] {
  return masters.map((m) => ({ host: m.host, port: m.port, key: null }));
}
