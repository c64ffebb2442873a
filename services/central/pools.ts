// Pools (designate.md §4.8): the servers zones are published through, configured from pools.yaml with
// `zonecast manage pool-update` (Designate's `designate-manage pool update`). The API reads them; its
// writes are deprecated in Designate and here admin-only: create, and delete of a pool no zone uses.
import {
  DuplicateError, NotFoundError, type ListQuery, type Pool, type PoolCreate, type PoolNsRecord, type Storage, type Tx,
} from '../storage/storage.ts';
import { DEFAULT_POOL_ID } from '../storage/schema.ts';
import { requireAdmin, type Caller, type CentralDeps } from './context.ts';
import { CentralError, markerNotFound, Refuse } from './errors.ts';
import { objectBody, optionalString, requiredString, stringMap, type Body } from './input.ts';
import type { PoolDefinition } from './pools-yaml.ts';
import { ValidationError, fqdn } from './validate.ts';

const CREATE_FIELDS = ['name', 'description', 'attributes', 'ns_records'];
const MAX_NAME_LENGTH = 50;

const missing = (err: unknown): never => {
  if (err instanceof NotFoundError && err.resource !== 'marker') throw Refuse.notFound('Pool');
  throw err;
};

function nsRecords(input: Body): PoolNsRecord[] {
  const v = input.ns_records;
  if (v === undefined || v === null) throw Refuse.invalidObject("'ns_records' is a required property", 'ns_records');
  if (!Array.isArray(v) || v.length === 0) throw Refuse.invalidObject('ns_records must be a non-empty list', 'ns_records');
  const seen = new Set<string>();
  return v.map((item, i) => {
    const path = `ns_records[${i}]`;
    const ns = objectBody(item, ['hostname', 'priority'], path);
    const hostname = requiredString(ns, 'hostname');
    try {
      fqdn(`${path}.hostname`, hostname);
    } catch (err) {
      if (err instanceof ValidationError) throw Refuse.invalidObject(err.message, err.field);
      throw err;
    }
    if (typeof ns.priority !== 'number' || !Number.isInteger(ns.priority) || ns.priority < 0 || ns.priority > 65535) {
      throw Refuse.invalidObject(`${path}.priority must be an integer between 0 and 65535`, `${path}.priority`);
    }
    if (seen.has(hostname.toLowerCase())) throw Refuse.invalidObject(`${path}.hostname: '${hostname}' is listed twice`, `${path}.hostname`);
    seen.add(hostname.toLowerCase());
    return { hostname, priority: ns.priority };
  });
}

/** Live zones hosted by the pool. */
async function zonesInPool(tx: Tx, poolId: string): Promise<number> {
  return (await tx.list('zones', { where: { poolId }, limit: 1 })).total;
}

export class Pools {
  readonly #deps: CentralDeps;

  constructor(deps: CentralDeps) {
    this.#deps = deps;
  }

  // Reading pools is Designate's find_pools/get_pool: SYSTEM_READER or (its deprecated default, still accepted
  // unless enforce_new_defaults is set) admin. Projects have no system scope here, so it is admin.
  async list(caller: Caller, query: ListQuery): Promise<{ items: Pool[]; total: number }> {
    requireAdmin(caller);
    return this.#deps.storage.transaction((tx) => tx.list('pools', query)).catch(markerNotFound);
  }

  async get(caller: Caller, id: string): Promise<Pool> {
    requireAdmin(caller);
    return this.#deps.storage.transaction((tx) => tx.getPool(id)).catch(missing);
  }

  async create(caller: Caller, body: unknown): Promise<Pool> {
    requireAdmin(caller);
    const input = objectBody(body, CREATE_FIELDS);
    const name = requiredString(input, 'name', MAX_NAME_LENGTH);
    if (name === '') throw Refuse.invalidObject('name must not be empty', 'name');
    const spec: PoolCreate = {
      name,
      description: optionalString(input, 'description', 160) ?? null,
      attributes: stringMap(input, 'attributes') ?? {},
      nsRecords: nsRecords(input),
      tenantId: caller.projectId,
    };
    const pool = await this.#deps.storage.transaction((tx) => tx.createPool(spec)).catch((err: unknown) => {
      if (err instanceof DuplicateError) throw Refuse.duplicate('Pool', 'name');
      throw err;
    });
    this.#deps.log.warn({ pool: pool.name, pool_id: pool.id }, 'pool created through the API (deprecated: use pools.yaml and zonecast manage pool-update)');
    return pool;
  }

  async delete(caller: Caller, id: string): Promise<void> {
    requireAdmin(caller);
    await this.#deps.storage.transaction(async (tx) => {
      await tx.getPool(id).catch(missing);
      if ((await zonesInPool(tx, id)) > 0) throw new CentralError(400, 'invalid_operation', 'pool must not contain zones');
      await tx.deletePool(id);
    });
    this.#deps.log.warn({ pool_id: id }, 'pool deleted through the API');
  }
}

// ---------------------------------------------------------------------------------------------- pool-update

export class PoolUpdateError extends Error {
  override name = 'PoolUpdateError';
}

export interface PoolUpdateResult {
  name: string;
  id: string;
  outcome: 'created' | 'updated' | 'unchanged';
  /** What of the definition was not applied (e.g. catalog_zone, which pools do not store). */
  warnings: string[];
}

/** A pool as stored, from its pools.yaml definition; refuses nameservers or targets naming a TSIG key that does not exist. */
async function toPoolCreate(tx: Tx, def: PoolDefinition, index: number): Promise<PoolCreate> {
  const keyExists = async (id: string | null, path: string) => {
    if (id === null) return;
    await tx.getTsigKey(id).catch((err: unknown) => {
      if (err instanceof NotFoundError) throw new PoolUpdateError(`${path}.tsigkey_id: no TSIG key ${id}`);
      throw err;
    });
  };
  for (const [j, ns] of def.nameservers.entries()) await keyExists(ns.tsigkeyId, `pools[${index}].nameservers[${j}]`);
  for (const [j, t] of def.targets.entries()) await keyExists(t.tsigkeyId, `pools[${index}].targets[${j}]`);
  const nameservers = def.nameservers.map((ns) => ({ host: ns.host, port: ns.port, tsigkeyId: ns.tsigkeyId }));
  return {
    name: def.name,
    description: def.description === '' ? null : def.description,
    attributes: def.attributes,
    nsRecords: def.nsRecords,
    nameservers,
    targets: def.targets.map((t) => ({
      type: t.type, description: t.description === '' ? null : t.description, masters: t.masters, tsigkeyId: t.tsigkeyId,
      options: Object.fromEntries(Object.entries(t.options).map(([k, v]) => [k, String(v)])),
    })),
    alsoNotifies: def.alsoNotifies,
  };
}

const sorted = <T>(items: readonly T[], key: (item: T) => string): string[] => items.map(key).sort();
const hostPort = (h: { host: string; port: number }) => `${h.host}#${h.port}`;
const entries = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** What pool-update compares: every field pools.yaml sets, with lists as sets (storage does not keep their order). */
function comparable(p: PoolCreate | Pool) {
  return {
    name: p.name,
    description: p.description ?? null,
    attributes: entries(p.attributes ?? {}),
    nsRecords: sorted(p.nsRecords ?? [], (n) => `${n.priority} ${n.hostname}`),
    nameservers: sorted(p.nameservers ?? [], (n) => `${hostPort(n)} ${n.tsigkeyId ?? ''}`),
    targets: sorted(p.targets ?? [], (t) => JSON.stringify([t.type, t.description ?? null, t.tsigkeyId ?? null, sorted(t.masters, hostPort), entries(t.options)])),
    alsoNotifies: sorted(p.alsoNotifies ?? [], hostPort),
  };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * `zonecast manage pool-update`: makes the pools of `defs` exist as defined, matched by name, all in one
 * transaction. New pools are created (one named 'default' with `defaultPoolId`, so zones find it); changed
 * ones are replaced under the same id (zones.pool_id has no foreign key, so zones stay in their pool).
 * Changing the NS records of a pool that hosts zones is refused: the zones' apex NS RRsets would need
 * rewriting, which this command does not do yet. Pools missing from the file are left alone.
 */
export async function updatePools(storage: Storage, defs: readonly PoolDefinition[], defaultPoolId = DEFAULT_POOL_ID): Promise<PoolUpdateResult[]> {
  return storage.transaction(async (tx) => {
    const results: PoolUpdateResult[] = [];
    for (const [index, def] of defs.entries()) {
      const warnings = def.catalogZone === null ? [] : ['catalog_zone is not stored with pools (use [service:mdns] catalog_zone)'];
      const wanted = await toPoolCreate(tx, def, index);
      let existing: Pool | undefined = (await tx.list('pools', { where: { name: def.name }, limit: 1 })).items[0];
      if (existing === undefined && def.name === 'default') existing = await tx.getPool(defaultPoolId).catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
      if (existing === undefined) {
        const id = def.name === 'default' ? defaultPoolId : undefined;
        const pool = await tx.createPool({ ...wanted, id });
        results.push({ name: def.name, id: pool.id, outcome: 'created', warnings });
        continue;
      }
      const before = comparable(existing);
      const after = comparable(wanted);
      if (same(before, after)) {
        results.push({ name: def.name, id: existing.id, outcome: 'unchanged', warnings });
        continue;
      }
      if (!same(before.nsRecords, after.nsRecords)) {
        const zones = await zonesInPool(tx, existing.id);
        if (zones > 0) {
          throw new PoolUpdateError(`pools[${index}] (${def.name}): ns_records changed, but the pool hosts ${zones} zone(s); ` +
            'changing the NS records of existing zones is not supported yet');
        }
      }
      await tx.deletePool(existing.id);
      await tx.createPool({ ...wanted, id: existing.id, tenantId: existing.tenantId, provisioner: existing.provisioner });
      results.push({ name: def.name, id: existing.id, outcome: 'updated', warnings });
    }
    return results;
  });
}
