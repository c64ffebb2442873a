// The set of hosted zones and the longest-match lookup of the zone for a query name: one hash probe per
// label of the name, no allocation.
import { lowerNameInPlace, nameHash, nameLength, namesEqual, nameToText } from '../codec/name.ts';
import type { TransferPolicy } from '../net/acl.ts';
import { unmappedAddress } from './peer.ts';
import type { ZoneSnapshot } from '../snapshot/snapshot.ts';
import type { AxfrImage } from '../xfr/axfr-image.ts';
import type { Journal } from '../xfr/journal.ts';

/**
 * Told of every change to the zones a table hosts that answering threads must mirror (answer-threads.ts):
 * which zones there are, what each serves, and who may NOTIFY a secondary.
 */
export interface ZoneTableObserver {
  added(zone: HostedZone): void;
  changed(zone: HostedZone): void;
  removed(zone: HostedZone): void;
}

export class HostedZone {
  readonly name: Uint8Array; // wire form, lower case
  readonly text: string;
  /** The table hosting this zone, told when what threads mirror changes. */
  table: ZoneTable | null = null;
  private serving: ZoneSnapshot | null = null;
  private primaries: readonly string[] | null = null;
  /**
   * The AXFR rendering of `snapshot`, made in the pool on the first call for that snapshot and then kept: a
   * zone that changes often is mostly sent by IXFR, so rendering every version up front (about 60 ms of pool
   * time per 100,000 records) would hold up the next version instead.
   */
  axfr: (() => Promise<AxfrImage>) | null = null;
  /** Steps from older serials to `snapshot`, for IXFR; null when none are kept. */
  journal: Journal | null = null;
  /**
   * For a secondary zone: whether a NOTIFY from `peer` comes from one of its primaries (and, if so, starts a
   * refresh). Null for zones we are primary for, where any NOTIFY is acknowledged.
   */
  onNotify: ((peer: string) => boolean) | null = null;
  /** Who may transfer this zone; null means the server's default. */
  transferAcl: TransferPolicy | null = null;
  /** The zone's place in a shared response cache's versions (shared-response-cache.ts); -1: none. */
  cacheSlot = -1;
  /** The version of `snapshot` there: cached answers built from another are stale. */
  cacheVersion = 0;

  /** The serving snapshot; null while the first load is pending or after it failed. */
  get snapshot(): ZoneSnapshot | null {
    return this.serving;
  }

  set snapshot(snapshot: ZoneSnapshot | null) {
    this.serving = snapshot;
    this.table?.observer?.changed(this);
  }

  /**
   * For a secondary zone, the addresses its NOTIFYs are accepted from (what `onNotify` checks), so that a
   * thread without `onNotify` answers a NOTIFY as this thread would; null for zones we are primary for.
   */
  get notifyFrom(): readonly string[] | null {
    return this.primaries;
  }

  set notifyFrom(addresses: readonly string[] | null) {
    this.primaries = addresses;
    this.table?.observer?.changed(this);
  }

  /** Whether a NOTIFY from `peer` comes from one of this secondary zone's primaries (`notifyFrom`). */
  acceptsNotifyFrom(peer: string): boolean {
    return this.primaries !== null && this.primaries.includes(unmappedAddress(peer));
  }

  constructor(name: Uint8Array) {
    this.name = name.slice(0, nameLength(name, 0));
    lowerNameInPlace(this.name, 0);
    this.text = nameToText(this.name, 0);
  }
}

export class ZoneTable {
  /** Bumped whenever the set of zones changes, so cached answers can tell that their zone choice is stale. */
  generation = 0;
  /** Answering threads mirroring this table, or null when this thread alone answers. */
  observer: ZoneTableObserver | null = null;
  private readonly byHash = new Map<number, HostedZone[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(zone: HostedZone): void {
    const hash = nameHash(zone.name, 0, zone.name.length);
    const list = this.byHash.get(hash);
    if (list?.some((z) => namesEqual(z.name, 0, zone.name, 0))) throw new Error(`zone ${zone.text} is already hosted`);
    if (list) list.push(zone);
    else this.byHash.set(hash, [zone]);
    this.count++;
    this.generation++;
    zone.table = this;
    this.observer?.added(zone);
  }

  remove(zone: HostedZone): void {
    const hash = nameHash(zone.name, 0, zone.name.length);
    const list = this.byHash.get(hash);
    const at = list ? list.indexOf(zone) : -1;
    if (at < 0) return;
    list!.splice(at, 1);
    if (list!.length === 0) this.byHash.delete(hash);
    this.count--;
    this.generation++;
    zone.table = null;
    this.observer?.removed(zone);
  }

  get(name: Uint8Array): HostedZone | null {
    const list = this.byHash.get(nameHash(name, 0, nameLength(name, 0)));
    return list?.find((z) => namesEqual(z.name, 0, name, 0)) ?? null;
  }

  /** The deepest hosted zone containing the uncompressed name at buf[off, end), or null. */
  find(buf: Uint8Array, off: number, end: number): HostedZone | null {
    for (let p = off; ; p += buf[p] + 1) {
      const list = this.byHash.get(nameHash(buf, p, end));
      if (list !== undefined) {
        for (let i = 0; i < list.length; i++) if (namesEqual(list[i].name, 0, buf, p)) return list[i];
      }
      if (buf[p] === 0) return null;
    }
  }

  *[Symbol.iterator](): IterableIterator<HostedZone> {
    for (const list of this.byHash.values()) yield* list;
  }
}
