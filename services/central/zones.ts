// Zones: Designate's rules for creating, changing and deleting them (designate.md §4.1–4.2), one transaction
// each, and a 'zone.changed' on the bus once committed so mdns compiles the new serial (and, for a pool with
// targets, a cast to the worker, which carries it to the pool's nameservers).
import { nameFromText, nameToText } from '../../engine/codec/name.ts';
import { nextSerial } from '../../engine/xfr/serial.ts';
import type { AnnouncedRRset, ZoneChanged } from '../messaging/bus.ts';
import { zonePayload } from './event-payloads.ts';
import { parseMasters } from './masters.ts';
import {
  DuplicateError, NotFoundError, type HostPort, type ListQuery, type RecordInput, type RecordSet, type Tx, type Zone, type ZoneExtras, type ZoneUpdate,
} from '../storage/storage.ts';
import { ownedZone, readableZone, requireAdmin, requireProject, seesAll, type Caller, type CentralDeps } from './context.ts';
import { CentralError, markerNotFound, Refuse } from './errors.ts';
import { checkEmail, objectBody, optionalString, optionalTtl, requiredString, stringList, stringMap } from './input.ts';
import { enforceQuota } from './quotas.ts';
import { bumpSerial, poolNameservers, soaData } from './soa.ts';
import { ValidationError, validateZoneName, ZoneNameRuleError } from './validate.ts';

export interface ZoneDetail extends ZoneExtras {
  zone: Zone;
}

/** A zone to insert: names canonical, values checked. SOA timers and serial default as for API creates. */
export interface NewZone {
  name: string;
  /** As spelled by its owner when that differs in case from `name` (givenNameOf). */
  givenName?: string | null;
  tenantId: string;
  email: string;
  description: string | null;
  type: 'PRIMARY' | 'SECONDARY';
  ttl: number;
  masters: HostPort[];
  attributes: Record<string, string>;
  serial?: number;
  refresh?: number;
  retry?: number;
  expire?: number;
  minimum?: number;
}

const CREATE_FIELDS = ['name', 'email', 'ttl', 'description', 'type', 'masters', 'attributes'];
const UPDATE_FIELDS = ['email', 'ttl', 'description', 'masters'];

/** Zone and recordset names are stored in lower case: DNS names compare without case, and so must duplicates. */
export function canonicalName(name: string): string {
  // Presentation text escapes every non-ASCII byte (\DDD), so lower-casing the text lowers ASCII letters only.
  return nameToText(nameFromText(name), 0).toLowerCase();
}

/**
 * The name as spelled, in presentation form, when it differs from its canonical form in case; else null.
 * Designate shows a zone's name as its owner gave it, and zonecast does too, comparing only canonical names.
 */
export function givenNameOf(name: string): string | null {
  const spelled = nameToText(nameFromText(name), 0);
  return spelled === spelled.toLowerCase() ? null : spelled;
}

/** A zone's name as the API shows it: as its owner spelled it. */
export const shownName = (zone: Zone): string => zone.givenName ?? zone.name;

/** `a.b.example.com.` → [`a.b.example.com.`, `b.example.com.`, `example.com.`, `com.`]. */
export function selfAndAncestors(name: string): string[] {
  const out: string[] = [];
  for (let at = 0; at < name.length - 1; at = nextLabel(name, at)) out.push(name.slice(at));
  return out;
}

/** Index after the next unescaped dot. */
function nextLabel(name: string, at: number): number {
  for (let i = at; i < name.length; i++) {
    if (name[i] === '\\') i++;
    else if (name[i] === '.') return i + 1;
  }
  return name.length;
}

function invalid(err: unknown, type: (message: string, field?: string) => CentralError): never {
  if (err instanceof ValidationError) throw type(err.message, err.field);
  throw err;
}

export class Zones {
  readonly #deps: CentralDeps;

  constructor(deps: CentralDeps) {
    this.#deps = deps;
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now() / 1000;
  }

  async create(caller: Caller, body: unknown): Promise<ZoneDetail> {
    const { options } = this.#deps;
    const input = objectBody(body, CREATE_FIELDS);
    const tenantId = requireProject(caller);
    const rawName = requiredString(input, 'name', options.maxZoneNameLength);
    const name = this.#zoneName(rawName);
    const type = optionalString(input, 'type') ?? 'PRIMARY';
    if (type !== 'PRIMARY' && type !== 'SECONDARY') throw Refuse.invalidObject(`type must be PRIMARY or SECONDARY, not '${type}'`, 'type');
    const description = optionalString(input, 'description', 160) ?? null;
    const attributes = stringMap(input, 'attributes') ?? {};
    let email: string;
    let ttl: number;
    let masters: HostPort[] = [];
    if (type === 'PRIMARY') {
      email = checkEmail(requiredString(input, 'email'));
      ttl = optionalTtl(input) ?? options.defaultTtl;
      if (input.masters !== undefined) throw Refuse.invalidObject('masters are only allowed for SECONDARY zones', 'masters');
    } else {
      if (input.email !== undefined || input.ttl !== undefined) {
        const field = input.email !== undefined ? 'email' : 'ttl';
        throw Refuse.invalidObject(`'${field}' can't be specified when type is SECONDARY`, field);
      }
      email = options.managedResourceEmail;
      ttl = options.defaultTtl;
      masters = parseMasters(stringList(input, 'masters') ?? []);
    }
    this.#checkTtl(caller, ttl);

    const zone = await this.#deps.storage.transaction((tx) =>
      this.insert(tx, caller, { name, givenName: givenNameOf(rawName), tenantId, email, description, type, ttl, masters, attributes }));
    this.#deps.log.info({ zone: zone.name, zone_id: zone.id, project: tenantId, serial: zone.serial }, 'zone created');
    await this.announce(zone, 'CREATE');
    this.#deps.notifier?.info('dns.zone.create', zonePayload(zone));
    return this.get(caller, zone.id);
  }

  /**
   * Creates a checked zone (TLD, blacklist, ownership, quota, pool) with its managed SOA and NS recordsets, inside
   * the caller's transaction; zone imports add their recordsets after it. The caller announces it after commit.
   */
  async insert(tx: Tx, caller: Caller, spec: NewZone): Promise<Zone> {
    const { options } = this.#deps;
    const poolId = caller.isAdmin && spec.attributes.pool_id ? spec.attributes.pool_id : options.defaultPoolId;
    const pool = await tx.getPool(poolId).catch((err: unknown) => {
      if (err instanceof NotFoundError) throw Refuse.noServersConfigured();
      throw err;
    });
    const nameservers = poolNameservers(pool);
    await this.#checkTld(tx, spec.name);
    if (!caller.isAdmin) await this.#checkBlacklist(tx, spec.name);
    const parentZoneId = await this.#checkOwnership(tx, spec.name, spec.tenantId);
    await enforceQuota(tx, options, spec.tenantId, 'zones', async () => (await tx.countZones(spec.tenantId, { forUpdate: true })) + 1);
    const serial = spec.serial ?? (spec.type === 'SECONDARY' ? 1 : nextSerial(null, this.#now()));
    let zone: Zone;
    try {
      zone = await tx.createZone({
        ...spec, serial, parentZoneId, poolId,
        refresh: spec.refresh ?? options.soaRefreshMin + Math.floor(Math.random() * (options.soaRefreshMax - options.soaRefreshMin + 1)),
        retry: spec.retry ?? options.soaRetry, expire: spec.expire ?? options.soaExpire, minimum: spec.minimum ?? options.soaMinimum,
        status: 'PENDING', action: 'CREATE',
      });
    } catch (err) {
      if (err instanceof DuplicateError) throw Refuse.duplicate('Zone', 'name');
      throw err;
    }
    if (zone.type === 'PRIMARY') {
      const managed = (data: string): RecordInput => ({ data, managed: true, serial, status: 'PENDING', action: 'CREATE' });
      await tx.createRecordset({ zoneId: zone.id, name: zone.name, type: 'SOA', records: [managed(soaData(zone, nameservers[0], options.managedResourceEmail))] });
      await tx.createRecordset({ zoneId: zone.id, name: zone.name, type: 'NS', records: nameservers.map(managed) });
    }
    return zone;
  }

  async get(caller: Caller, zoneId: string): Promise<ZoneDetail> {
    return this.#deps.storage.transaction(async (tx) => this.#detail(tx, (await readableZone(tx, caller, zoneId)).zone));
  }

  /** The zones the caller may see, filtered and paged by `query`. */
  async list(caller: Caller, query: ListQuery): Promise<{ items: ZoneDetail[]; total: number }> {
    return this.#deps.storage.transaction(async (tx) => {
      const visible: ListQuery = seesAll(caller) ? query : { ...query, visibleToProject: requireProject(caller) };
      const { items, total } = await tx.list('zones', visible).catch(markerNotFound);
      const extras = await tx.zoneExtras(items.map((z) => z.id));
      return { items: items.map((zone) => ({ zone, ...extras.get(zone.id)! })), total };
    });
  }

  async update(caller: Caller, zoneId: string, body: unknown): Promise<ZoneDetail> {
    const input = objectBody(body, UPDATE_FIELDS);
    const email = optionalString(input, 'email');
    if (email === null) throw Refuse.invalidObject('email must not be null', 'email');
    if (email !== undefined) checkEmail(email);
    const ttl = optionalTtl(input);
    if (ttl === null) throw Refuse.invalidObject('ttl must not be null', 'ttl');
    if (ttl !== undefined) this.#checkTtl(caller, ttl);
    const description = optionalString(input, 'description', 160);
    const masterList = stringList(input, 'masters');
    const masters = masterList === undefined ? undefined : parseMasters(masterList);
    const zone = await this.#deps.storage.transaction(async (tx) => {
      const zone = await ownedZone(tx, caller, zoneId, { forUpdate: true });
      if (zone.type === 'SECONDARY' && (email !== undefined || ttl !== undefined)) {
        throw Refuse.invalidObject('email and ttl of SECONDARY zones are not editable', email !== undefined ? 'email' : 'ttl');
      }
      if (masters !== undefined) await this.#replaceMasters(tx, zone, masters);
      const patched = await tx.updateZone(zone.id, { email: email ?? undefined, ttl: ttl ?? undefined, description });
      return this.commitChange(tx, patched);
    });
    await this.announce(zone, 'UPDATE');
    this.#deps.notifier?.info('dns.zone.update', zonePayload(zone));
    return this.get(caller, zone.id);
  }

  /**
   * A SECONDARY zone's new masters. The zone's 'zone.changed' tells mdns, which reads them again and refreshes
   * from them at once, serving the version it holds until a new master has one to transfer.
   */
  async #replaceMasters(tx: Tx, zone: Zone, masters: HostPort[]): Promise<void> {
    if (zone.type !== 'SECONDARY') throw Refuse.invalidObject('masters are only allowed for SECONDARY zones', 'masters');
    await tx.replaceZoneMasters(zone.id, masters);
  }

  /**
   * Deletes the zone: mdns stops serving it, or, in a pool with targets, the worker deletes it from them first.
   * The body shows the zone as deleting, as Designate's 202 does.
   */
  async delete(caller: Caller, zoneId: string): Promise<ZoneDetail> {
    const { viaWorker, detail } = await this.#deps.storage.transaction(async (tx) => {
      const zone = await ownedZone(tx, caller, zoneId, { forUpdate: true });
      const sub = await tx.list('zones', { where: { parentZoneId: zone.id }, limit: 1 });
      if (sub.total > 0) throw Refuse.zoneHasSubZone('Please delete any subzones before deleting this zone');
      const shares = await tx.findSharedZones(zone.id);
      if (shares.length > 0 && !caller.deleteShares) {
        throw Refuse.zoneIsShared('This zone is shared with other projects; delete the shares first or set X-Designate-Delete-Shares: true');
      }
      for (const share of shares) await tx.unshareZone(share.id);
      const detail = await this.#detail(tx, zone);
      // A pool with targets keeps the zone (served by mdns) until the worker has it deleted from them.
      const viaWorker = await tx.poolHasTargets(zone.poolId);
      if (viaWorker) await tx.updateZone(zone.id, { status: 'PENDING', action: 'DELETE' });
      else await tx.softDeleteZone(zone.id);
      return { viaWorker, detail: { ...detail, zone: { ...zone, status: 'PENDING', action: 'DELETE' } } satisfies ZoneDetail };
    });
    this.#deps.log.info({ zone: detail.zone.name, zone_id: zoneId }, viaWorker ? 'zone deleting from its pool' : 'zone deleted');
    if (viaWorker) await this.pushToWorker(detail.zone, 'DELETE');
    else await this.publishChanged(detail.zone, 'DELETE');
    this.#deps.notifier?.info('dns.zone.delete', zonePayload(detail.zone));
    return detail;
  }

  /** Designate's abandon (admin): the zone leaves the database; servers keep whatever they have. */
  async abandon(caller: Caller, zoneId: string): Promise<void> {
    requireAdmin(caller);
    const zone = await this.#deps.storage.transaction(async (tx) => {
      const { zone } = await readableZone(tx, { ...caller, allProjects: true }, zoneId);
      await tx.purgeZone(zone.id);
      return zone;
    });
    this.#deps.log.warn({ zone: zone.name, zone_id: zone.id }, 'zone abandoned');
    await this.publishChanged(zone, 'DELETE');
  }

  /** Designate's tasks/xfr: a secondary zone is refreshed from its masters now. */
  async xfr(caller: Caller, zoneId: string): Promise<void> {
    const zone = await this.#deps.storage.transaction((tx) => ownedZone(tx, caller, zoneId));
    if (zone.type !== 'SECONDARY') throw Refuse.badRequest("Can't XFR a non Secondary zone.");
    await this.announce(zone, 'UPDATE');
  }

  async nameservers(caller: Caller, zoneId: string): Promise<{ hostname: string; priority: number }[]> {
    return this.#deps.storage.transaction(async (tx) => {
      const { zone } = await readableZone(tx, caller, zoneId);
      const pool = await tx.getPool(zone.poolId);
      return [...pool.nsRecords].sort((a, b) => a.priority - b.priority);
    });
  }

  /**
   * Gives a changed zone its next serial (RFC 1982: always newer, even after an imported date-style serial)
   * and rewrites its SOA; the zone waits as PENDING/UPDATE until mdns serves it, even one still being
   * created, as Designate's _update_zone_in_storage sets it (the worker creates a zone an update finds
   * missing on a target). Call inside the change's
   * transaction, after locking the zone row. With serial batching on, the zone is only marked: the next
   * zone-batches.ts's incrementSerials() gives every change made meanwhile one serial.
   */
  async commitChange(tx: Tx, zone: Zone): Promise<Zone> {
    if (zone.action === 'DELETE') throw Refuse.badRequest('Can not update a deleting zone');
    if (this.#deps.options.serialBatchInterval > 0) return tx.updateZone(zone.id, { incrementSerial: true, status: 'PENDING', action: 'UPDATE' });
    return this.#bumpSerial(tx, zone, { status: 'PENDING', action: 'UPDATE' });
  }

  /** The serial records written by a change will be served at (at the latest): what zone.served compares. */
  recordSerial(zone: Zone): number {
    return zone.incrementSerial ? (zone.serial + 1) >>> 0 : zone.serial;
  }

  #bumpSerial(tx: Tx, zone: Zone, patch: ZoneUpdate): Promise<Zone> {
    return bumpSerial(tx, zone, patch, this.#now(), this.#deps.options.managedResourceEmail);
  }

  /**
   * What a change to some recordsets announces: their ids and, read in the change's own transaction (after
   * its writes), their content and the zone's SOA, so that mdns patches without reading storage. Nothing to
   * read while the change waits for its batched serial: it is announced whole later.
   */
  async delta(tx: Tx, zone: Zone, previousSerial: number, recordsetIds: string[], gone: readonly RecordSet[] = []): Promise<NonNullable<ZoneChanged['delta']>> {
    if (zone.incrementSerial) return { previousSerial, recordsetIds };
    const soa = await tx.getRecordsetByName(zone.id, zone.name, 'SOA');
    const sets = new Map<string, RecordSet | null>([[soa.id, soa]]);
    for (const id of recordsetIds) {
      if (sets.has(id)) continue;
      sets.set(id, await tx.getRecordset(id).catch((err: unknown) => {
        if (err instanceof NotFoundError) return gone.find((g) => g.id === id) ?? null; // deleted by the change
        throw err;
      }));
    }
    const records = await tx.recordsOf([...sets.keys()]);
    const rrsets: Record<string, AnnouncedRRset | null> = {};
    for (const [id, rs] of sets) {
      // A deleted recordset keeps its name and type, with no records: a reader patches it away by name alone.
      rrsets[id] = rs === null ? null : { name: rs.name, type: rs.type, ttl: rs.ttl, records: (records.get(id) ?? []).map((r) => r.data) };
    }
    return { previousSerial, recordsetIds, rrsets };
  }

  /**
   * Tells mdns about a committed change and, when the zone's pool has targets, the worker that carries it to
   * them (Designate's worker create_zone/update_zone/delete_zone).
   */
  async announce(zone: Zone, action: 'CREATE' | 'UPDATE' | 'DELETE', delta?: ZoneChanged['delta']): Promise<void> {
    // A change waiting for its batched serial has nothing new to serve yet: incrementSerials() announces it.
    if (action === 'UPDATE' && zone.incrementSerial) return;
    // Fault injection for the convergence tests: die between the commit and the announcement, the worst moment.
    if (process.env.ZONECAST_FAULT_KILL_BEFORE_ANNOUNCE === '1') process.kill(process.pid, 'SIGKILL');
    await this.publishChanged(zone, action, delta);
    if (await this.#deps.storage.transaction((tx) => tx.poolHasTargets(zone.poolId))) await this.pushToWorker(zone, action);
  }

  /** 'zone.changed' to every mdns instance. */
  async publishChanged(zone: Zone, action: 'CREATE' | 'UPDATE' | 'DELETE', delta?: ZoneChanged['delta']): Promise<void> {
    await this.#deps.bus.publish('zone.changed', { zoneId: zone.id, name: zone.name, serial: zone.serial, action, ...(delta ? { delta } : {}) });
  }

  /** The change to one worker, which makes the pool's targets serve it and reports back (update_status). */
  async pushToWorker(zone: Zone, action: 'CREATE' | 'UPDATE' | 'DELETE'): Promise<void> {
    const method = action === 'CREATE' ? 'create_zone' : action === 'UPDATE' ? 'update_zone' : 'delete_zone';
    await this.#deps.bus.publish(method, { zoneId: zone.id, name: zone.name, poolId: zone.poolId, serial: zone.serial, action, announcedAt: Date.now() });
  }

  async #detail(tx: Tx, zone: Zone): Promise<ZoneDetail> {
    return { zone, ...(await tx.zoneExtras([zone.id])).get(zone.id)! };
  }

  #zoneName(raw: string): string {
    try {
      validateZoneName(raw);
    } catch (err) {
      // As Designate: what its DomainField refuses (no trailing dot, a long label, bad characters) is the
      // schema's invalid_object; central's rules on a well-formed name (one label) are invalid_zone_name.
      if (err instanceof ZoneNameRuleError) throw Refuse.invalidZoneName(err.message, 'name');
      invalid(err, Refuse.invalidObject);
    }
    return canonicalName(raw);
  }

  #checkTtl(caller: Caller, ttl: number): void {
    if (ttl < this.#deps.options.minTtl && !caller.isAdmin) {
      throw Refuse.invalidTtl(`TTL is below the minimum: ${this.#deps.options.minTtl}`, 'ttl');
    }
  }

  /** When TLDs are defined, a zone must end in one and must not be one. */
  async #checkTld(tx: Tx, name: string): Promise<void> {
    const anyTld = await tx.list('tlds', { limit: 1 });
    if (anyTld.total === 0) return;
    const candidates = selfAndAncestors(name).map((n) => n.slice(0, -1));
    const found = await tx.list('tlds', { where: { name: candidates }, limit: candidates.length });
    if (found.items.some((t) => t.name === candidates[0])) throw Refuse.invalidZoneName('Zone name cannot be the same as a TLD', 'name');
    if (found.total === 0) throw Refuse.invalidZoneName('Invalid TLD', 'name');
  }

  async #checkBlacklist(tx: Tx, name: string): Promise<void> {
    for (const entry of await tx.findBlacklists()) {
      let re: RegExp;
      try {
        re = new RegExp(entry.pattern);
      } catch {
        // Patterns are checked when created; one that still fails to compile must not let names through.
        throw Refuse.invalidZoneName('Blacklisted zone name', 'name');
      }
      if (re.test(name)) throw Refuse.invalidZoneName('Blacklisted zone name', 'name');
    }
  }

  /**
   * No zone may sit inside, or around, another project's zone (in any pool). Returns the closest enclosing
   * zone of the same project, which becomes the parent.
   */
  async #checkOwnership(tx: Tx, name: string, tenantId: string): Promise<string | null> {
    let parent: Zone | null = null;
    for (const other of await tx.relatedZones(name)) {
      const above = name.endsWith(`.${other.name}`);
      if (other.tenantId !== tenantId) {
        throw above ? Refuse.illegalChild('Unable to create zone because another tenant owns a parent zone')
          : Refuse.illegalParent('Unable to create zone because another tenant owns a subzone of the zone');
      }
      if (above && (parent === null || other.name.length > parent.name.length)) parent = other;
    }
    return parent?.id ?? null;
  }
}

