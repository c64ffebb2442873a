// `zonecast manage pool-update` (Designate's `designate-manage pool update --file pools.yaml`): makes the
// pools of a pools.yaml exist as defined. When a pool's ns_records change, every zone it hosts gets the new
// apex NS RRset (and SOA MNAME) under a new serial, flagged delayed_notify as Designate's update_pool does:
// the producer's delayed_notify task then announces them batch_size at a time, so that a change touching
// every zone of a pool does not send every secondary a NOTIFY (and every transfer behind it) at once.
import { NotFoundError, type Pool, type PoolCreate, type Storage, type Tx, type Zone } from '../storage/storage.ts';
import { DEFAULT_POOL_ID } from '../storage/schema.ts';
import { CENTRAL_DEFAULTS } from './context.ts';
import type { PoolDefinition } from './pools-yaml.ts';
import { bumpSerial, rewriteApexNs } from './soa.ts';

export class PoolUpdateError extends Error {
  override name = 'PoolUpdateError';
}

export interface PoolUpdateResult {
  name: string;
  id: string;
  outcome: 'created' | 'updated' | 'unchanged';
  /** Zones whose apex NS RRset was rewritten because the pool's ns_records changed (their NOTIFY is delayed). */
  zonesRewritten: number;
  /** What of the definition was not applied (e.g. catalog_zone, which pools do not store). */
  warnings: string[];
}

export interface PoolUpdateOptions {
  /** The id a pool named 'default' gets when created (`[service:central] default_pool_id`). */
  defaultPoolId?: string;
  /** SOA RNAME of zones without an email (`[service:central] managed_resource_email`). */
  managedResourceEmail?: string;
  /** Seconds since the epoch, for new serials (tests set the clock). */
  now?: () => number;
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

/** The primary zones of a pool that are not being deleted: those whose apex NS comes from its ns_records. */
async function* hostedPrimaries(tx: Tx, poolId: string): AsyncGenerator<Zone> {
  for (let marker: string | undefined; ;) {
    const page = await tx.findZones({ poolId, type: 'PRIMARY' }, { limit: 500, marker });
    for (const zone of page.items) if (zone.action !== 'DELETE') yield zone;
    if (page.next === undefined) return;
    marker = page.next;
  }
}

/**
 * The pool's new ns_records into each zone it hosts: apex NS and SOA MNAME rewritten under a new serial,
 * the zone PENDING until the delayed_notify task announces it. A change waiting for its batched serial rides
 * along (its increment_serial flag stays, and that task announces nothing for a delayed zone).
 */
async function rewriteZonesNs(tx: Tx, pool: Pool, options: Required<PoolUpdateOptions>): Promise<number> {
  let rewritten = 0;
  for await (const listed of hostedPrimaries(tx, pool.id)) {
    const zone = await tx.getZone(listed.id, { forUpdate: true });
    const action = zone.action === 'CREATE' ? 'CREATE' : 'UPDATE';
    const updated = await bumpSerial(tx, zone, { delayedNotify: true, status: 'PENDING', action }, options.now(), options.managedResourceEmail);
    await rewriteApexNs(tx, updated, pool, updated.serial);
    rewritten++;
  }
  return rewritten;
}

/**
 * `existing` replaced by `wanted` under the same id, inside `tx` (zones.pool_id has no foreign key, so zones
 * stay in their pool). When the ns_records changed, every zone the pool hosts gets the new NS RRset.
 */
export async function replacePool(tx: Tx, existing: Pool, wanted: PoolCreate, opts: PoolUpdateOptions = {}): Promise<{ pool: Pool; zonesRewritten: number }> {
  const options = withDefaults(opts);
  await tx.deletePool(existing.id);
  const pool = await tx.createPool({ ...wanted, id: existing.id, provisioner: existing.provisioner });
  const zonesRewritten = same(comparable(existing).nsRecords, comparable(wanted).nsRecords) ? 0 : await rewriteZonesNs(tx, pool, options);
  return { pool, zonesRewritten };
}

function withDefaults(opts: PoolUpdateOptions): Required<PoolUpdateOptions> {
  return {
    defaultPoolId: opts.defaultPoolId ?? DEFAULT_POOL_ID,
    managedResourceEmail: opts.managedResourceEmail ?? CENTRAL_DEFAULTS.managedResourceEmail,
    now: opts.now ?? (() => Date.now() / 1000),
  };
}

/**
 * Makes the pools of `defs` exist as defined, matched by name, all in one transaction: a pool and the NS
 * RRsets of its zones change together or not at all. New pools are created (one named 'default' with
 * `defaultPoolId`, so zones find it); changed ones are replaced under the same id (zones.pool_id has no
 * foreign key, so zones stay in their pool). Pools missing from the file are left alone.
 */
export async function updatePools(storage: Storage, defs: readonly PoolDefinition[], opts: PoolUpdateOptions = {}): Promise<PoolUpdateResult[]> {
  const options = withDefaults(opts);
  return storage.transaction(async (tx) => {
    const results: PoolUpdateResult[] = [];
    for (const [index, def] of defs.entries()) {
      const warnings = def.catalogZone === null ? [] : ['catalog_zone is not stored with pools (use [service:mdns] catalog_zone)'];
      const wanted = await toPoolCreate(tx, def, index);
      let existing: Pool | undefined = (await tx.list('pools', { where: { name: def.name }, limit: 1 })).items[0];
      if (existing === undefined && def.name === 'default') existing = await tx.getPool(options.defaultPoolId).catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
      if (existing === undefined) {
        const id = def.name === 'default' ? options.defaultPoolId : undefined;
        const pool = await tx.createPool({ ...wanted, id });
        results.push({ name: def.name, id: pool.id, outcome: 'created', zonesRewritten: 0, warnings });
        continue;
      }
      const before = comparable(existing);
      const after = comparable(wanted);
      if (same(before, after)) {
        results.push({ name: def.name, id: existing.id, outcome: 'unchanged', zonesRewritten: 0, warnings });
        continue;
      }
      const { zonesRewritten } = await replacePool(tx, existing, { ...wanted, tenantId: existing.tenantId }, options);
      results.push({ name: def.name, id: existing.id, outcome: 'updated', zonesRewritten, warnings });
    }
    return results;
  });
}
