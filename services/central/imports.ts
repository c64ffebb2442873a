// Zone imports (designate.md §4.7): a master file becomes a new primary zone with its recordsets. The request
// only records a PENDING task; the import itself runs after the API has answered, as Designate's central
// thread does, and leaves the task COMPLETE (with the zone's id) or ERROR with a message saying why.
//
// The file is read by the engine's own master-file parser (the one mdns compiles zones with), so an import
// accepts exactly what zonecast can serve. Relative names become absolute and every record is rendered back
// to presentation text with absolute names, as recordsets created through the API must be written.
import { Class, typeFromText, typeToText } from '../../engine/codec/constants.ts';
import { isSubdomain, lowerNameInPlace, NameError, nameToText } from '../../engine/codec/name.ts';
import { durationFromBytes } from '../../engine/codec/rdata/fields.ts';
import { rdataToText } from '../../engine/codec/rdata/text.ts';
import { Lexer, Tokens } from '../../engine/zonefile/lexer.ts';
import { parseZone } from '../../engine/zonefile/parser.ts';
import type { RecordSink } from '../../engine/zonefile/sink.ts';
import {
  NotFoundError, type ListQuery, type RecordInput, type Tx, type Zone, type ZoneTask, type ZoneTaskType,
} from '../storage/storage.ts';
import { requireProject, seesAll, type Caller, type CentralDeps } from './context.ts';
import { CentralError, markerNotFound, Refuse } from './errors.ts';
import { checkEmail, objectBody, requiredString, stringMap } from './input.ts';
import { enforceQuotas } from './quotas.ts';
import { ValidationError, validateRecordData, validateZoneName } from './validate.ts';
import { zonePayload } from './event-payloads.ts';
import { givenNameOf, selfAndAncestors, type Zones } from './zones.ts';

/** Recordsets written between turns of the event loop during an import. */
const IMPORT_BATCH = 500;

/** What an import request carries: the master file and, since API 2.4, zone attributes. */
export interface ImportSource {
  zonefile: string;
  attributes?: Record<string, string>;
}

/** A refusal of the file itself: the task ends in ERROR with this message. */
export class ImportError extends Error {
  override name = 'ImportError';
}

export const ORIGIN_REQUIRED = 'The $ORIGIN statement is required and must be the first statement in the zonefile.';
export const SOA_REQUIRED = 'An SOA record is required.';
const MAX_TTL = 0x7fffffff;
/** Master-file problems quoted in a task message (it is a text column; keep it short). */
const MAX_REPORTED_ERRORS = 3;
/** zone_tasks.message is VARCHAR(160), as Designate's: a longer message fails the task's update on MariaDB. */
const MAX_MESSAGE = 160;

export interface ImportedRecordset {
  name: string; // absolute, lower case
  type: string;
  ttl: number;
  records: string[]; // presentation text, names absolute
}

/** The zone a master file describes, checked as far as possible without the database. */
export interface ParsedImport {
  name: string;
  /** The $ORIGIN as spelled, when it differs from `name` in case. */
  givenName: string | null;
  email: string;
  ttl: number;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
  recordsets: ImportedRecordset[];
}

export interface ImportRules {
  supportedRecordTypes: readonly string[];
  maxZoneNameLength: number;
  maxRecordsetNameLength: number;
  /** TTLs below it are refused (null: no minimum, as for admins). */
  minTtl: number | null;
}

/** The origin and $TTL that precede the first record: Designate needs the origin before any record. */
function preamble(text: Uint8Array): { origin: string | null; ttl: number | null } {
  const lexer = new Lexer(text);
  const t = new Tokens();
  let origin: string | null = null;
  let ttl: number | null = null;
  while (lexer.next(t)) {
    if (t.error !== null || t.count === 0) break;
    const directive = !t.ownerOmitted && t.src[t.start[0]] === 0x24 && !t.isQuoted(0);
    if (!directive) break;
    if (t.is(0, '$ORIGIN') && t.count === 2 && origin === null) {
      origin = t.text(1);
      if (!origin.endsWith('.') || origin.endsWith('\\.')) origin = `${origin}.`;
    } else if (t.is(0, '$TTL') && t.count === 2 && ttl === null) {
      const v = durationFromBytes(t.src, t.start[1], t.end[1], MAX_TTL);
      if (v >= 0) ttl = v;
    }
  }
  return { origin, ttl };
}

function lowerName(wire: Uint8Array): string {
  const copy = wire.slice();
  lowerNameInPlace(copy, 0);
  return nameToText(copy, 0);
}

/** An SOA RNAME as an email address: the first unescaped dot is the '@'. */
export function emailFromRname(rname: string): string {
  let at = -1;
  for (let i = 0; i < rname.length; i++) {
    if (rname[i] === '\\') i++;
    else if (rname[i] === '.') {
      at = i;
      break;
    }
  }
  if (at <= 0) throw new ImportError(`The SOA RNAME '${rname}' is not an email address.`);
  const local = rname.slice(0, at).replace(/\\(\d{3}|.)/g, (_, c: string) => (c.length === 3 ? String.fromCharCode(Number(c)) : c));
  const domain = rname.slice(at + 1).replace(/\.$/, '');
  return `${local}@${domain}`;
}

interface Collected {
  owner: Uint8Array;
  name: string;
  type: number;
  ttl: number;
  data: string;
}

/** Parses and checks a master file: its zone, SOA-derived settings and recordsets. Throws ImportError. */
export function parseImport(zonefile: string, rules: ImportRules): ParsedImport {
  const bytes = new TextEncoder().encode(zonefile);
  const { origin, ttl: dollarTtl } = preamble(bytes);
  if (origin === null) throw new ImportError(ORIGIN_REQUIRED);
  let zoneWire: Uint8Array;
  try {
    zoneWire = validateZoneName(origin, '$ORIGIN');
  } catch (err) {
    if (err instanceof ValidationError || err instanceof NameError) throw new ImportError(`Invalid zone name. ${err.message}`);
    throw err;
  }
  const givenName = givenNameOf(nameToText(zoneWire, 0));
  // Relative names in the file take the origin in lower case, as zonecast stores names.
  lowerNameInPlace(zoneWire, 0);
  const zoneName = nameToText(zoneWire, 0);
  if (zoneName.length > rules.maxZoneNameLength) throw new ImportError(`Invalid zone name. It is longer than ${rules.maxZoneNameLength} characters.`);

  const records: Collected[] = [];
  const problems: string[] = [];
  const sink: RecordSink = {
    add(owner, ownerLen, type, klass, ttl, rdata, rdataLen) {
      const wire = owner.slice(0, ownerLen);
      const name = lowerName(wire);
      if (klass !== Class.IN) {
        problems.push(`${name} ${typeToText(type)}: only class IN is supported`);
        return;
      }
      try {
        records.push({ owner: wire, name, type, ttl, data: rdataToText(type, rdata, 0, rdataLen) });
      } catch (err) {
        problems.push(`${name} ${typeToText(type)}: ${(err as Error).message}`);
      }
    },
  };
  const result = parseZone(bytes, { origin: zoneWire, file: 'zonefile', maxErrors: MAX_REPORTED_ERRORS }, sink);
  problems.unshift(...result.errors.map((e) => e.message));
  if (problems.length > 0) throw new ImportError(`Malformed zonefile. ${problems.slice(0, MAX_REPORTED_ERRORS).join('; ')}`);

  // RRsets in file order; duplicates of one record collapse, as in any zone.
  const rrsets = new Map<string, ImportedRecordset>();
  for (const r of records) {
    if (!isSubdomain(r.owner, 0, zoneWire, 0)) throw new ImportError(`Malformed zonefile. ${r.name} is not in the zone ${zoneName}`);
    const type = typeToText(r.type);
    const key = `${r.name} ${type}`;
    let rrset = rrsets.get(key);
    if (!rrset) rrsets.set(key, rrset = { name: r.name, type, ttl: r.ttl, records: [] });
    rrset.ttl = Math.min(rrset.ttl, r.ttl); // RFC 2181 §5.2: one TTL per RRset; the lowest is the safe one
    if (!rrset.records.includes(r.data)) rrset.records.push(r.data);
  }

  const soa = rrsets.get(`${zoneName} SOA`);
  if (!soa) throw new ImportError(SOA_REQUIRED);
  if (soa.records.length > 1) throw new ImportError('Malformed zonefile. The zone has more than one SOA record.');
  const [, rname, serial, refresh, retry, expire, minimum] = soa.records[0].split(' ');
  let email: string;
  try {
    email = checkEmail(emailFromRname(rname));
  } catch (err) {
    if (err instanceof CentralError) throw new ImportError(`The SOA RNAME '${rname}' is not an email address.`);
    throw err;
  }
  const ttl = dollarTtl ?? soa.ttl;
  if (rules.minTtl !== null && ttl < rules.minTtl) throw new ImportError(`TTL is below the minimum: ${rules.minTtl}`);

  // The apex SOA and NS are zonecast's own, made anew for the zone; every other RRset is kept.
  const kept = [...rrsets.values()].filter((rs) => !(rs.name === zoneName && (rs.type === 'SOA' || rs.type === 'NS')));
  const delegations = new Set(kept.filter((rs) => rs.type === 'NS').map((rs) => rs.name));
  const types = new Map<string, string[]>();
  for (const rs of kept) types.set(rs.name, [...(types.get(rs.name) ?? []), rs.type]);
  for (const rs of kept) checkRecordset(rs, zoneName, delegations, types.get(rs.name) ?? [], rules);

  return {
    name: zoneName, givenName, email, ttl, serial: Number(serial), refresh: Number(refresh), retry: Number(retry),
    expire: Number(expire), minimum: Number(minimum),
    recordsets: kept,
  };
}

/** The checks the API applies to a recordset (validate.ts, recordsets.ts), for one imported RRset. */
function checkRecordset(rs: ImportedRecordset, zone: string, delegations: ReadonlySet<string>, typesAtName: readonly string[], rules: ImportRules): void {
  const fail = (why: string) => new ImportError(`Invalid recordset ${rs.name} ${rs.type}: ${why}`);
  if (!rules.supportedRecordTypes.includes(rs.type)) throw fail(`${rs.type} is not a supported record type`);
  if (rs.name.length > rules.maxRecordsetNameLength) throw fail(`the name is longer than ${rules.maxRecordsetNameLength} characters`);
  if (rules.minTtl !== null && rs.ttl < rules.minTtl) throw fail(`TTL is below the minimum: ${rules.minTtl}`);
  for (const data of rs.records) {
    try {
      validateRecordData(typeFromText(rs.type), data);
    } catch (err) {
      if (err instanceof ValidationError) throw fail(err.message.replace(/^records: /, ''));
      throw err;
    }
  }
  if (rs.type === 'CNAME') {
    if (rs.name === zone) throw fail('CNAME recordsets may not be created at the zone apex');
    if (rs.records.length > 1) throw fail('CNAME recordsets may only have one record');
    if (typesAtName.length > 1) throw fail('CNAME recordsets may not share a name with any other records');
  }
  // Below a delegation only glue (addresses of the delegated servers) belongs; at it, only the NS.
  for (const cut of selfAndAncestors(rs.name).filter((n) => n.length > zone.length && delegations.has(n))) {
    if (cut === rs.name && rs.type !== 'NS') throw fail(`${cut} is a delegation point: only NS records belong there`);
    if (cut !== rs.name && rs.type !== 'A' && rs.type !== 'AAAA') throw fail(`RecordSet is below the delegation ${cut}; only glue (A, AAAA) belongs there`);
  }
}

/** A zone task (import or export) of the caller's project, or any for an all-projects admin; else not found. */
export async function ownTask(tx: Tx, caller: Caller, taskId: string, type: ZoneTaskType): Promise<ZoneTask> {
  const resource = type === 'IMPORT' ? 'Zone Import' : 'Zone Export';
  let task: ZoneTask;
  try {
    task = await tx.getZoneTask(taskId);
  } catch (err) {
    if (err instanceof NotFoundError) throw Refuse.notFound(resource);
    throw err;
  }
  if (task.taskType !== type || (!seesAll(caller) && task.tenantId !== caller.projectId)) throw Refuse.notFound(resource);
  return task;
}

/** A list of the caller's tasks of one type. */
export async function listTasks(tx: Tx, caller: Caller, resource: 'zone_imports' | 'zone_exports', query: ListQuery): Promise<{ items: ZoneTask[]; total: number }> {
  const scoped: ListQuery = seesAll(caller) ? query : { ...query, where: { ...query.where, tenantId: requireProject(caller) } };
  return tx.list(resource, scoped).catch(markerNotFound);
}

function clip(message: string): string {
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
}

export class Imports {
  readonly #deps: CentralDeps;
  readonly #zones: Zones;
  readonly #running = new Set<Promise<void>>();

  constructor(deps: CentralDeps, zones: Zones) {
    this.#deps = deps;
    this.#zones = zones;
  }

  /** The body of POST /v2/zones/tasks/imports as JSON (API 2.4): {"zonefile": "...", "attributes": {...}}. */
  static sourceFromJson(body: unknown): ImportSource {
    const input = objectBody(body, ['zonefile', 'attributes']);
    return { zonefile: requiredString(input, 'zonefile', Number.MAX_SAFE_INTEGER), attributes: stringMap(input, 'attributes') };
  }

  /** Records a PENDING import and starts it; the task is returned at once. */
  async create(caller: Caller, source: ImportSource): Promise<ZoneTask> {
    const tenantId = requireProject(caller);
    const task = await this.#deps.storage.transaction((tx) => tx.createZoneTask({ taskType: 'IMPORT', tenantId, status: 'PENDING' }));
    const snapshot: Caller = { ...caller };
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#run(snapshot, task.id, source))
      .catch((err: Error) => this.#deps.log.error({ task_id: task.id, err: err.message }, 'zone import failed'))
      .finally(() => this.#running.delete(run));
    this.#running.add(run);
    return task;
  }

  /** Resolves once every import started so far has finished (tests; orderly shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  async get(caller: Caller, taskId: string): Promise<ZoneTask> {
    return this.#deps.storage.transaction((tx) => ownTask(tx, caller, taskId, 'IMPORT'));
  }

  async list(caller: Caller, query: ListQuery): Promise<{ items: ZoneTask[]; total: number }> {
    return this.#deps.storage.transaction((tx) => listTasks(tx, caller, 'zone_imports', query));
  }

  /** Deletes the task only; a zone it imported stays. */
  async delete(caller: Caller, taskId: string): Promise<void> {
    await this.#deps.storage.transaction(async (tx) => tx.deleteZoneTask((await ownTask(tx, caller, taskId, 'IMPORT')).id));
  }

  async #run(caller: Caller, taskId: string, source: ImportSource): Promise<void> {
    const { options, log } = this.#deps;
    let zone: Zone | null = null;
    let message: string;
    try {
      const parsed = parseImport(source.zonefile, {
        supportedRecordTypes: options.supportedRecordTypes, maxZoneNameLength: options.maxZoneNameLength,
        maxRecordsetNameLength: options.maxRecordsetNameLength, minTtl: caller.isAdmin ? null : options.minTtl,
      });
      zone = await this.#deps.storage.transaction((tx) => this.#insert(tx, caller, parsed, source.attributes ?? {}));
      message = `${zone.name} imported`;
    } catch (err) {
      message = failure(err);
      if (!(err instanceof ImportError || err instanceof CentralError)) log.error({ task_id: taskId, err }, 'zone import failed unexpectedly');
    }
    // Clipped either way: a long zone name makes a long success message too, and a message the column cannot
    // hold would fail the update and leave the task PENDING for ever (MariaDB: "Data too long").
    const outcome = zone
      ? { status: 'COMPLETE' as const, zoneId: zone.id, message: clip(message) }
      : { status: 'ERROR' as const, message: clip(message) };
    await this.#deps.storage.transaction((tx) => tx.updateZoneTask(taskId, outcome)).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err; // the task was deleted meanwhile; the zone stays
    });
    if (zone) {
      log.info({ zone: zone.name, zone_id: zone.id, task_id: taskId, serial: zone.serial }, 'zone imported');
      await this.#zones.announce(zone, 'CREATE');
      // Designate's import goes through create_zone, which notifies.
      this.#deps.notifier?.info('dns.zone.create', zonePayload(zone));
    }
  }

  async #insert(tx: Tx, caller: Caller, parsed: ParsedImport, attributes: Record<string, string>): Promise<Zone> {
    const { options } = this.#deps;
    const tenantId = requireProject(caller);
    const zone = await this.#zones.insert(tx, caller, {
      name: parsed.name, givenName: parsed.givenName, tenantId, email: parsed.email, description: null, type: 'PRIMARY', ttl: parsed.ttl, masters: [],
      attributes, serial: parsed.serial, refresh: parsed.refresh, retry: parsed.retry, expire: parsed.expire, minimum: parsed.minimum,
    });
    const { recordsets } = parsed;
    await enforceQuotas(tx, options, tenantId, [
      ['zone_recordsets', async () => (await tx.countRecordsets(zone.id)) + recordsets.length],
      // A loop, not Math.max(...): spreading a million recordsets' counts overflows the call stack.
      ['recordset_records', recordsets.reduce((most, rs) => Math.max(most, rs.records.length), 0)],
      ['zone_records', recordsets.reduce((n, rs) => n + rs.records.length, 0)],
    ]);
    // Zones of the same project below this one (other projects' were refused by insert) own their names.
    const children = (await tx.relatedZones(zone.name)).filter((z) => z.name.length > zone.name.length).map((z) => z.name);
    for (const rs of recordsets) {
      const child = children.find((c) => rs.name === c || rs.name.endsWith(`.${c}`));
      if (child) throw new ImportError(`Invalid recordset ${rs.name} ${rs.type}: RecordSet belongs in a child zone: ${child}`);
    }
    for (let start = 0; start < recordsets.length; start += IMPORT_BATCH) {
      // A large import is one transaction, but it must not stall DNS answering in the same process: let
      // the event loop run between batches (on SQLite other writers wait on the transaction meanwhile).
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      await tx.createRecordsets(zone.id, recordsets.slice(start, start + IMPORT_BATCH).map((rs) => ({
        name: rs.name, type: rs.type, ttl: rs.ttl,
        records: rs.records.map((data): RecordInput => ({ data, serial: zone.serial, status: 'PENDING', action: 'CREATE' })),
      })));
    }
    return zone;
  }
}

/** Designate's task messages for the ways an import fails. */
function failure(err: unknown): string {
  if (err instanceof ImportError) return err.message;
  if (err instanceof CentralError) {
    if (err.type === 'duplicate_zone') return 'Duplicate zone.';
    if (err.type === 'over_quota') return 'Quota exceeded during zone import.';
    return err.message;
  }
  return `An undefined error occurred. ${String((err as Error)?.message ?? err).slice(0, 130)}`;
}
