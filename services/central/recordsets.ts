// Recordsets: Designate's placement, type and data rules (designate.md §4.2), managed apex records, quotas,
// and shared zones (a project a zone is shared with keeps its own recordsets there). Every change gives the
// zone its next serial in the same transaction.
import { typeFromText, typeToText } from '../../engine/codec/constants.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import {
  DuplicateError, NotFoundError, type Action, type DnsRecord, type ListQuery, type RecordInput, type RecordSet,
  type Status, type Tx, type Zone,
} from '../storage/storage.ts';
import { readableZone, requireProject, seesAll, type Caller, type CentralDeps } from './context.ts';
import { CentralError, markerNotFound, Refuse } from './errors.ts';
import { recordsetPayload } from './event-payloads.ts';
import { objectBody, optionalString, optionalTtl, requiredString, stringList } from './input.ts';
import { enforceQuotas } from './quotas.ts';
import { NameCharactersError, ValidationError, validateRecordData, validateRecordsetName, validateType } from './validate.ts';
import { canonicalName, selfAndAncestors, shownName, type Zones } from './zones.ts';

export interface RecordsetDetail {
  recordset: RecordSet;
  records: DnsRecord[];
  zoneName: string;
  /** PENDING while a record waits for mdns to serve its serial, else ACTIVE. */
  status: Status;
  action: Action;
}

const CREATE_FIELDS = ['name', 'type', 'ttl', 'description', 'records'];
// name and type cannot change; a body carrying them unchanged (as clients echo a recordset back) is accepted.
const UPDATE_FIELDS = ['name', 'type', 'ttl', 'description', 'records'];

function invalid(err: unknown, field?: string): never {
  if (err instanceof ValidationError) throw Refuse.invalidObject(err.message, field ?? err.field);
  throw err;
}

/** A read-only field in an update body: absent, or equal (as `normal` writes it) to what is stored. */
function unchanged(input: Record<string, unknown>, field: string, stored: string, normal: (v: string) => string): void {
  const v = input[field];
  if (v === undefined) return;
  if (typeof v !== 'string' || normal(v) !== stored) throw Refuse.badRequest(`The recordset's ${field} cannot be changed`, field);
}

export function detail(recordset: RecordSet, records: DnsRecord[], zoneName: string): RecordsetDetail {
  const pending = records.find((r) => r.status === 'PENDING');
  return { recordset, records, zoneName, status: pending ? 'PENDING' : 'ACTIVE', action: pending ? pending.action : 'NONE' };
}

const isManaged = (records: readonly DnsRecord[]): boolean => records.some((r) => r.managed);

export class Recordsets {
  readonly #deps: CentralDeps;
  readonly #zones: Zones;

  constructor(deps: CentralDeps, zones: Zones) {
    this.#deps = deps;
    this.#zones = zones;
  }

  async create(caller: Caller, zoneId: string, body: unknown): Promise<RecordsetDetail> {
    const input = objectBody(body, CREATE_FIELDS);
    const project = requireProject(caller);
    const rawName = requiredString(input, 'name', this.#deps.options.maxRecordsetNameLength);
    const type = this.#type(requiredString(input, 'type', 16));
    const ttl = optionalTtl(input) ?? null;
    this.#checkTtl(caller, ttl);
    const description = optionalString(input, 'description', 160) ?? null;
    const data = this.#records(type, stringList(input, 'records') ?? []);
    if (type === 'SOA') throw Refuse.badRequest('Creating a SOA recordset is not allowed', 'type');

    const { zone, recordset, delta } = await this.#deps.storage.transaction(async (tx) => {
      const { zone, owner } = await readableZone(tx, caller, zoneId, { forUpdate: true });
      this.#checkPrimary(zone);
      const name = this.#name(rawName, zone);
      if (type === 'NS' && name === zone.name) throw Refuse.duplicate('RecordSet');
      if (type === 'NS' && name.startsWith('*.')) throw Refuse.invalidObject('Wildcard NS records are not allowed', 'name');
      await this.#checkPlacement(tx, zone, name, type);
      const quotaProject = zone.tenantId ?? project;
      await enforceQuotas(tx, this.#deps.options, quotaProject, [
        ['zone_recordsets', async () => (await tx.countRecordsets(zone.id)) + 1],
        ['recordset_records', data.length],
        ['zone_records', async () => (await tx.countZoneRecords(zone.id, { managed: false })) + data.length],
      ]);
      const next = await this.#zones.commitChange(tx, zone);
      let recordset: RecordSet;
      try {
        recordset = await tx.createRecordset({
          zoneId: zone.id, name, type, ttl, description,
          tenantId: owner ? zone.tenantId : project,
          records: data.map((d) => this.#record(d, this.#zones.recordSerial(next), 'CREATE')),
        });
      } catch (err) {
        if (err instanceof DuplicateError) throw Refuse.duplicate('RecordSet');
        throw err;
      }
      const created = detail(recordset, await tx.listRecords(recordset.id), shownName(next));
      return { zone: next, recordset: created, delta: await this.#zones.delta(tx, next, zone.serial, [recordset.id]) };
    });
    await this.#zones.announce(zone, 'UPDATE', delta);
    // As committed, not as read after the announcement: mdns may already serve it, and the answer would
    // then say ACTIVE where Designate always answers PENDING/CREATE.
    return this.#notified('dns.recordset.create', { ...recordset, status: 'PENDING', action: 'CREATE' });
  }

  async get(caller: Caller, zoneId: string, recordsetId: string): Promise<RecordsetDetail> {
    return this.#deps.storage.transaction(async (tx) => {
      const { zone } = await readableZone(tx, caller, zoneId);
      const recordset = await this.#recordsetOf(tx, zone, recordsetId);
      return detail(recordset, await tx.listRecords(recordset.id), shownName(zone));
    });
  }

  /** The zone of a recordset the caller may see, for GET /v2/recordsets/{id}'s redirect. */
  async zoneOf(caller: Caller, recordsetId: string): Promise<string> {
    return this.#deps.storage.transaction(async (tx) => {
      const recordset = await tx.getRecordset(recordsetId).catch((err: unknown) => {
        if (err instanceof NotFoundError) throw Refuse.notFound('RecordSet');
        throw err;
      });
      await readableZone(tx, caller, recordset.zoneId).catch((err: unknown) => {
        if (err instanceof CentralError && err.status === 404) throw Refuse.notFound('RecordSet');
        throw err;
      });
      return recordset.zoneId;
    });
  }

  /** Recordsets of one zone, or (zoneId null) of every zone the caller may see. */
  async list(caller: Caller, zoneId: string | null, query: ListQuery): Promise<{ items: RecordsetDetail[]; total: number }> {
    return this.#deps.storage.transaction(async (tx) => {
      let scoped: ListQuery;
      const zoneNames = new Map<string, string>();
      if (zoneId !== null) {
        const { zone } = await readableZone(tx, caller, zoneId);
        zoneNames.set(zone.id, shownName(zone));
        scoped = { ...query, where: { ...query.where, zoneId: zone.id } };
      } else {
        scoped = seesAll(caller) ? query : { ...query, visibleToProject: requireProject(caller) };
      }
      const { items, total } = await tx.list('recordsets', scoped).catch(markerNotFound);
      const records = await tx.recordsOf(items.map((rs) => rs.id));
      const out: RecordsetDetail[] = [];
      for (const rs of items) {
        let zoneName = zoneNames.get(rs.zoneId);
        if (zoneName === undefined) {
          zoneName = shownName(await tx.getZone(rs.zoneId));
          zoneNames.set(rs.zoneId, zoneName);
        }
        out.push(detail(rs, records.get(rs.id)!, zoneName));
      }
      return { items: out, total };
    });
  }

  /** PUT: new ttl/description, and `records` replaces the set (unchanged data keeps its record ids). */
  async update(caller: Caller, zoneId: string, recordsetId: string, body: unknown): Promise<RecordsetDetail> {
    const { next, updated, delta } = await this.#deps.storage.transaction(async (tx) => {
      const { zone, owner } = await readableZone(tx, caller, zoneId, { forUpdate: true });
      this.#checkPrimary(zone);
      const recordset = await this.#recordsetOf(tx, zone, recordsetId);
      const current = await tx.listRecords(recordset.id);
      // As Designate's controller: a recordset that may not be changed at all (managed, SOA, apex NS) is
      // refused before the body is read, whatever the body holds.
      this.#checkChangeable(caller, zone, owner, recordset, current, 'Updating');
      const input = objectBody(body, UPDATE_FIELDS);
      const ttl = optionalTtl(input);
      if (ttl !== undefined) this.#checkTtl(caller, ttl);
      const description = optionalString(input, 'description', 160);
      const list = stringList(input, 'records');
      unchanged(input, 'name', recordset.name, (v) => canonicalName(v));
      unchanged(input, 'type', recordset.type, (v) => v.toUpperCase());
      const next = await this.#zones.commitChange(tx, zone);
      if (ttl !== undefined || description !== undefined) await tx.updateRecordset(recordset.id, { ttl, description });
      if (list !== undefined) {
        const data = this.#records(recordset.type, list);
        const quotaProject = zone.tenantId ?? requireProject(caller);
        const others = async () => (await tx.countZoneRecords(zone.id, { managed: false })) - current.filter((r) => !r.managed).length;
        await enforceQuotas(tx, this.#deps.options, quotaProject, [
          ['recordset_records', data.length],
          ['zone_records', async () => (await others()) + data.length],
        ]);
        const kept = new Set(current.map((r) => r.data));
        await tx.replaceRecords(recordset.id, data.map((d) => this.#record(d, this.#zones.recordSerial(next), kept.has(d) ? 'NONE' : 'CREATE')));
      } else {
        // A TTL or description change still re-publishes the RRset under the new serial.
        await tx.replaceRecords(recordset.id, current.map((r) => ({ ...this.#record(r.data, this.#zones.recordSerial(next), 'UPDATE'), managed: r.managed })));
      }
      const updated = detail(await this.#recordsetOf(tx, next, recordsetId), await tx.listRecords(recordset.id), shownName(next));
      return { next, updated, delta: await this.#zones.delta(tx, next, zone.serial, [recordset.id]) };
    });
    await this.#zones.announce(next, 'UPDATE', delta);
    // A PUT is an UPDATE whatever it changed (Designate: PENDING/UPDATE, and the zone's serial moves).
    return this.#notified('dns.recordset.update', { ...updated, status: 'PENDING', action: 'UPDATE' });
  }

  async delete(caller: Caller, zoneId: string, recordsetId: string): Promise<RecordsetDetail> {
    const { zone, gone, delta } = await this.#deps.storage.transaction(async (tx) => {
      const { zone, owner } = await readableZone(tx, caller, zoneId, { forUpdate: true });
      this.#checkPrimary(zone);
      const recordset = await this.#recordsetOf(tx, zone, recordsetId);
      const records = await tx.listRecords(recordset.id);
      this.#checkChangeable(caller, zone, owner, recordset, records, 'Deleting');
      const next = await this.#zones.commitChange(tx, zone);
      await tx.deleteRecordset(recordset.id);
      const gone = detail(recordset, records.map((r) => ({ ...r, status: 'PENDING', action: 'DELETE' })), shownName(zone));
      return { zone: next, gone, delta: await this.#zones.delta(tx, next, zone.serial, [recordset.id], [recordset]) };
    });
    await this.#zones.announce(zone, 'UPDATE', delta);
    return this.#notified('dns.recordset.delete', gone);
  }

  /** Tells notification consumers (billing, audit) about a committed recordset change. */
  #notified(eventType: string, detail: RecordsetDetail): RecordsetDetail {
    this.#deps.notifier?.info(eventType, recordsetPayload(detail));
    return detail;
  }

  #record(data: string, serial: number, action: Action): RecordInput {
    return { data, serial, status: 'PENDING', action };
  }

  #type(raw: string): string {
    try {
      return typeToText(validateType(raw, this.#deps.options.supportedRecordTypes));
    } catch (err) {
      invalid(err, 'type');
    }
  }

  #name(raw: string, zone: Zone): string {
    try {
      validateRecordsetName(raw, nameFromText(zone.name));
    } catch (err) {
      if (err instanceof NameCharactersError) throw Refuse.invalidObject(err.message, 'name');
      if (err instanceof ValidationError) throw Refuse.invalidRecordsetLocation(err.message, 'name');
      throw err;
    }
    return canonicalName(raw);
  }

  /**
   * Validated record data, at least one record (one only for CNAME). A record given twice is kept once, as
   * Designate takes a request's records as a set (designate-tempest-plugin creates AAAA sets so).
   */
  #records(type: string, list: readonly string[]): string[] {
    if (list.length === 0) throw Refuse.invalidObject('records must hold at least one record', 'records');
    const records = [...new Set(list.map((raw, i) => {
      const data = raw.trim();
      try {
        validateRecordData(typeFromText(type), data, `records[${i}]`);
      } catch (err) {
        invalid(err);
      }
      return data;
    }))];
    if (type === 'CNAME' && records.length > 1) throw Refuse.badRequest('CNAME recordsets may only have one record', 'records');
    return records;
  }

  #checkTtl(caller: Caller, ttl: number | null): void {
    if (ttl !== null && ttl < this.#deps.options.minTtl && !caller.isAdmin) {
      throw Refuse.invalidTtl(`TTL is below the minimum: ${this.#deps.options.minTtl}`, 'ttl');
    }
  }

  #checkPrimary(zone: Zone): void {
    if (zone.type !== 'PRIMARY') throw Refuse.badRequest(`Recordsets of a ${zone.type} zone come from its masters and cannot be changed`);
  }

  async #recordsetOf(tx: Tx, zone: Zone, recordsetId: string): Promise<RecordSet> {
    try {
      const recordset = await tx.getRecordset(recordsetId);
      if (recordset.zoneId === zone.id) return recordset;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    throw Refuse.notFound('RecordSet');
  }

  #checkChangeable(caller: Caller, zone: Zone, owner: boolean, recordset: RecordSet, records: readonly DnsRecord[], verb: string): void {
    if (recordset.type === 'SOA') throw Refuse.badRequest(`${verb} a SOA recordset is not allowed`);
    if (recordset.type === 'NS' && recordset.name === zone.name) throw Refuse.badRequest(`${verb} a root zone NS record is not allowed`);
    if (isManaged(records) && !caller.editManagedRecords) throw Refuse.badRequest('Managed records may not be updated', 'records');
    if (!owner && recordset.tenantId !== caller.projectId) throw Refuse.forbidden('This recordset belongs to another project');
  }

  /**
   * Where a name may hold a type: not in a child zone, not below a delegation, no CNAME at the apex, and a
   * CNAME alone at its name.
   */
  async #checkPlacement(tx: Tx, zone: Zone, name: string, type: string): Promise<void> {
    const between = selfAndAncestors(name).filter((n) => n.length > zone.name.length);
    if (between.length > 0) {
      const children = await tx.list('zones', { where: { name: between }, limit: 1 });
      if (children.total > 0) throw Refuse.invalidRecordsetLocation('RecordSet belongs in a child zone', 'name');
      const cuts = between.filter((n) => n !== name || type !== 'NS');
      if (cuts.length > 0) {
        const delegations = await tx.list('recordsets', { where: { zoneId: zone.id, type: 'NS', name: cuts }, limit: 1 });
        if (delegations.total > 0) throw Refuse.invalidRecordsetLocation('RecordSet is below a delegation (NS) point', 'name');
      }
    }
    if (type === 'CNAME' && name === zone.name) throw Refuse.invalidRecordsetLocation('CNAME recordsets may not be created at the zone apex', 'name');
    const atName = await tx.recordsetsByName(zone.id, name);
    if (type === 'CNAME' ? atName.some((rs) => rs.type !== 'CNAME') : atName.some((rs) => rs.type === 'CNAME')) {
      throw Refuse.invalidRecordsetLocation('CNAME recordsets may not share a name with any other records', 'name');
    }
  }
}
