// What OpenStack Designate's own services put on RabbitMQ, for `zonecast designate-mdns`, which casts to a
// running Designate's central and worker as designate-mdns does (docs: shared/reference/designate-mdns-dropin.md §2).
// Three layers, each as the Python writes it:
// - the oslo.messaging envelope (oslo_messaging/_drivers/common.py serialize_msg, amqpdriver.py _send,
//   rpc/client.py _make_message): {"oslo.version": "2.0", "oslo.message": "<JSON of the message>"}, the message
//   holding method, args, the target's version, a `_unique_id` and the request context as `_context_<key>`;
// - the request context: DesignateContext.get_admin_context(...).to_dict() (designate/context.py);
// - the arguments: DesignateObjectSerializer → DesignateObject.to_primitive() (designate/objects/base.py,
//   oslo_versionedobjects/base.py obj_to_primitive), field by field as each field type serializes.
import { randomUUID } from 'node:crypto';
import type { Heartbeat } from './heartbeat.ts';

/** The oldest RPC API versions with the methods mdns casts; every central (6.5 … 6.12) and worker (1.1, 1.2) since Zed takes them. */
export const CENTRAL_RPC_VERSION = '6.0';
export const WORKER_RPC_VERSION = '1.1';

const ENVELOPE_VERSION = '2.0';

export interface OsloEnvelope {
  'oslo.version': string;
  'oslo.message': string;
}

/** A message as the receiving oslo.messaging server unpacks it (amqp.py unpack_context). */
export interface OsloMessage {
  method: string;
  args: Record<string, unknown>;
  version?: string;
  namespace?: string;
  uniqueId: string;
  context: Record<string, unknown>;
}

/** A cast's body: keys in the order _make_message, _add_unique_id and pack_context add them. */
export function osloEnvelope(method: string, args: Record<string, unknown>, version: string, context: Record<string, unknown>): OsloEnvelope {
  const message: Record<string, unknown> = { method, args, version, _unique_id: randomUUID().replace(/-/g, '') };
  for (const [key, value] of Object.entries(context)) message[`_context_${key}`] = value;
  return { 'oslo.version': ENVELOPE_VERSION, 'oslo.message': JSON.stringify(message) };
}

/** Reads a body as an oslo.messaging server does; throws on anything that is not a 2.x envelope. */
export function readOsloEnvelope(body: Buffer | string | OsloEnvelope): OsloMessage {
  const envelope = (typeof body === 'string' || Buffer.isBuffer(body) ? JSON.parse(body.toString()) : body) as Partial<OsloEnvelope>;
  if (typeof envelope?.['oslo.version'] !== 'string' || !envelope['oslo.version'].startsWith('2.') || typeof envelope['oslo.message'] !== 'string') {
    throw new Error('not an oslo.messaging 2.x envelope');
  }
  const raw = JSON.parse(envelope['oslo.message']) as Record<string, unknown>;
  if (typeof raw.method !== 'string' || typeof raw._unique_id !== 'string') throw new Error('oslo message without method or _unique_id');
  const context: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) if (key.startsWith('_context_')) context[key.slice('_context_'.length)] = value;
  return {
    method: raw.method,
    args: (raw.args ?? {}) as Record<string, unknown>,
    ...(typeof raw.version === 'string' ? { version: raw.version } : {}),
    ...(typeof raw.namespace === 'string' ? { namespace: raw.namespace } : {}),
    uniqueId: raw._unique_id,
    context,
  };
}

export interface AdminContextOptions {
  /** Defaults to a new `req-<uuid4>`, as oslo.context generates one per context. */
  requestId?: string;
  /** mdns's DNS requests (and so the NOTIFY → perform_zone_xfr cast) carry true; the heartbeat false. */
  allTenants?: boolean;
  /**
   * 'all' as get_admin_context sets it up to 16.x (designate/context.py at 15.0.2:143, 16.0.0:154); null from
   * 17.0.0 on. It matters only where policy enforces scope: 15.x/16.x with enforce_new_defaults need 'all'
   * (update_service_status is `role:admin and system_scope:all`), 17.0+ with enforce_scope refuse it (its rules
   * are project-scoped). 17.0.0 is also the release whose schema added zones.increment_serial, so the caller
   * can tell them apart. Null by default: it passes both with the policy defaults Debian's releases ship.
   */
  systemScope?: 'all' | null;
}

/**
 * DesignateContext.get_admin_context(all_tenants=…).to_dict(): oslo.context's RequestContext.to_dict (5.0.0,
 * bookworm; 6.x the same keys) and Designate's additions (15.0.2 and master; master's hard_delete and
 * delete_shares are ignored by older from_dict, which reads only the keys it knows).
 */
export function adminContext(options: AdminContextOptions = {}): Record<string, unknown> {
  return {
    user: null,
    project_id: null,
    system_scope: options.systemScope ?? null,
    project: null,
    domain: null,
    user_domain: null,
    project_domain: null,
    is_admin: true,
    read_only: false,
    show_deleted: false,
    auth_token: null,
    request_id: options.requestId ?? `req-${randomUUID()}`,
    global_request_id: null,
    resource_uuid: null,
    roles: ['admin', 'reader'],
    // user_idt_format '{user} {project_id} {domain} {user_domain} {p_domain}', each '-' when unset.
    user_identity: '- - - - -',
    is_admin_project: true,
    original_project_id: null,
    service_catalog: null,
    all_tenants: options.allTenants ?? true,
    abandon: null,
    edit_managed_records: false,
    hard_delete: false,
    tsigkey_id: null,
    hide_counts: false,
    client_addr: null,
    delete_shares: false,
  };
}

export interface DesignateObjectPrimitive {
  'designate_object.name': string;
  'designate_object.namespace': 'designate';
  'designate_object.version': '1.0';
  'designate_object.data': Record<string, unknown>;
  'designate_object.changes'?: string[];
}

/**
 * obj_to_primitive: the key `changes` only when some field changed since the object was loaded or built, and
 * only fields present in data; DesignateObject.to_primitive sorts it. Every Designate object is version 1.0.
 */
export function designateObject(name: string, data: Record<string, unknown>, changes: readonly string[] = []): DesignateObjectPrimitive {
  const listed = changes.filter((field) => field in data).sort();
  return {
    'designate_object.name': name,
    'designate_object.namespace': 'designate',
    'designate_object.version': '1.0',
    'designate_object.data': data,
    ...(listed.length > 0 ? { 'designate_object.changes': listed } : {}),
  };
}

/** A ListObjectMixin object (ZoneMasterList, ZoneAttributeList): its one field `objects`. */
export function designateList(name: string, objects: DesignateObjectPrimitive[]): DesignateObjectPrimitive {
  return designateObject(name, { objects });
}

/** A DATETIME as DB drivers hand it over: a Date, or text 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC. */
export type Timestamp = Date | string;

/** oslo_versionedobjects _utils.isotime: seconds, 'Z' (Designate's datetimes are naive UTC). */
export function isoTime(value: Timestamp | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error('invalid date');
    return `${value.toISOString().slice(0, 19)}Z`;
  }
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:Z|[+-]00:?00)?$/.exec(value.trim());
  if (!m) throw new Error(`'${value}' is not a UTC timestamp`);
  return `${m[1]}T${m[2]}Z`;
}

/** designate/sqlalchemy/types.py UUID.process_result_value: str(uuid.UUID(value)), lower-case with dashes. */
export function dashedUuid(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const hex = value.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`'${value}' is not a UUID`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** IntegerFields: DB drivers may give BIGINT/DECIMAL columns as text. */
function int(value: number | string | bigint | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`'${String(value)}' is not an integer`);
  return n;
}

/** BooleanField: MySQL's BOOL is TINYINT(1), read as 0/1. */
function bool(value: boolean | number | null | undefined): boolean | null {
  return value === null || value === undefined ? null : Boolean(value);
}

/** The columns PersistentObjectMixin maps (id, version, created_at, updated_at) as rows carry them. */
interface PersistentRow {
  id: string;
  version: number | string;
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
}

const persistent = (row: PersistentRow) => ({
  id: dashedUuid(row.id), version: int(row.version), created_at: isoTime(row.created_at), updated_at: isoTime(row.updated_at),
});

export interface ZoneMasterRow extends PersistentRow {
  zone_id: string;
  host: string;
  port: number | string;
}

export interface ZoneAttributeRow extends PersistentRow {
  zone_id: string;
  key: string;
  value: string;
}

/**
 * A zone_masters row as storage loads it (_set_object_from_model sets every column that is a field, then
 * obj_reset_changes: no changes). Given only host and port it is ZoneMaster.from_data's object instead, built
 * with those two fields and so listing them as changed; the worker reads just srv['host'] and srv['port'].
 */
export function zoneMasterPrimitive(master: ZoneMasterRow | { host: string; port: number | string }): DesignateObjectPrimitive {
  if (!('id' in master)) return designateObject('ZoneMaster', { host: master.host, port: int(master.port) }, ['host', 'port']);
  return designateObject('ZoneMaster', { ...persistent(master), host: master.host, port: int(master.port), zone_id: dashedUuid(master.zone_id) });
}

export function zoneAttributePrimitive(attribute: ZoneAttributeRow): DesignateObjectPrimitive {
  return designateObject('ZoneAttribute', { ...persistent(attribute), key: attribute.key, value: attribute.value, zone_id: dashedUuid(attribute.zone_id) });
}

/** A zones row with its relations, as storage's _find_zones returns it. */
export interface ZoneRow extends PersistentRow {
  deleted: string;
  deleted_at: Timestamp | null;
  shard: number | string;
  tenant_id: string | null;
  name: string;
  email: string;
  description: string | null;
  type: 'PRIMARY' | 'SECONDARY' | 'CATALOG';
  transferred_at: Timestamp | null;
  ttl: number | string;
  serial: number | string;
  refresh: number | string;
  retry: number | string;
  expire: number | string;
  minimum: number | string;
  status: string;
  parent_zone_id: string | null;
  action: string;
  pool_id: string | null;
  delayed_notify: boolean | number | null;
  /** Only where the column exists (17.0.0+); absent columns are absent fields, as in storage. */
  increment_serial?: boolean | number | null;
  /** The shared_zones CASE column master's _find_zones selects (16.0.0+). */
  shared?: boolean | number | null;
  /** zone_masters rows (storage loads them for SECONDARY zones only; empty otherwise). */
  masters: ZoneMasterRow[];
  /** zone_attributes rows with key != 'master'. */
  attributes: ZoneAttributeRow[];
}

/**
 * A Zone as storage.find_zone(s) returns it (designate/storage/impl_sqlalchemy/__init__.py:215-251 at 15.0.2):
 * the columns that are fields, masters and attributes as lists, no recordsets; loaded objects carry no
 * changes (_set_object_from_model, _set_listobject_from_models and _load_relations all reset them).
 */
export function zonePrimitive(row: ZoneRow): DesignateObjectPrimitive {
  const data: Record<string, unknown> = {
    ...persistent(row),
    deleted: row.deleted,
    deleted_at: isoTime(row.deleted_at),
    shard: int(row.shard),
    tenant_id: row.tenant_id,
    name: row.name,
    email: row.email,
    description: row.description,
    type: row.type,
    transferred_at: isoTime(row.transferred_at),
    ttl: int(row.ttl),
    serial: int(row.serial),
    refresh: int(row.refresh),
    retry: int(row.retry),
    expire: int(row.expire),
    minimum: int(row.minimum),
    status: row.status,
    parent_zone_id: dashedUuid(row.parent_zone_id),
    action: row.action,
    pool_id: dashedUuid(row.pool_id),
    delayed_notify: bool(row.delayed_notify),
  };
  if (row.increment_serial !== undefined) data.increment_serial = bool(row.increment_serial);
  if (row.shared !== undefined) data.shared = bool(row.shared);
  data.masters = designateList('ZoneMasterList', row.masters.map(zoneMasterPrimitive));
  data.attributes = designateList('ZoneAttributeList', row.attributes.map(zoneAttributePrimitive));
  return designateObject('Zone', data);
}

export interface ServiceStatusInput {
  service_name: string;
  hostname: string;
  /** STOPPED exists on master only (migration f49c4409c8ba); older centrals refuse it. */
  status: 'UP' | 'DOWN' | 'WARNING' | 'STOPPED';
  heartbeated_at: Timestamp;
  stats: Record<string, unknown>;
  capabilities: Record<string, unknown>;
}

/** The heartbeat's objects.ServiceStatus(...) (heartbeat_emitter.py): built from six keyword arguments, all six changed. */
export function serviceStatusPrimitive(status: ServiceStatusInput): DesignateObjectPrimitive {
  const data = {
    service_name: status.service_name,
    hostname: status.hostname,
    status: status.status,
    heartbeated_at: isoTime(status.heartbeated_at),
    stats: status.stats,
    capabilities: status.capabilities,
  };
  return designateObject('ServiceStatus', data, Object.keys(data));
}

/** HeartbeatOptions.args for a Designate central: RpcEmitter.transmit's update_service_status(service_status=…), stamped now. */
export function designateHeartbeatArgs(beat: Heartbeat): { service_status: DesignateObjectPrimitive } {
  return {
    service_status: serviceStatusPrimitive({
      service_name: beat.serviceName, hostname: beat.hostname, status: beat.status, heartbeated_at: new Date(),
      stats: beat.stats, capabilities: beat.capabilities,
    }),
  };
}
