// Pools, each loaded whole: attributes, NS records, nameservers, targets (with their masters and options) and
// also-notifies.
import { randomUUID } from 'node:crypto';
import type { Pool, PoolCreate, PoolNsRecord, PoolTarget } from '../storage.ts';
import type { Statements } from './statements.ts';
import { audit, num, str, strOrNull, ts } from './values.ts';

export async function createPool(db: Statements, input: PoolCreate): Promise<Pool> {
  const id = input.id ?? randomUUID();
  const now = ts();
  const base = () => ({ id: randomUUID(), version: 1, created_at: now });
  await db.insert('pools', {
    id, version: 1, created_at: now, name: input.name, description: input.description ?? null,
    tenant_id: input.tenantId ?? null, provisioner: input.provisioner ?? 'UNMANAGED',
  });
  for (const [key, value] of Object.entries(input.attributes ?? {})) {
    await db.insert('pool_attributes', { ...base(), pool_id: id, key, value });
  }
  for (const ns of input.nsRecords ?? []) {
    await db.insert('pool_ns_records', { ...base(), pool_id: id, priority: ns.priority, hostname: ns.hostname });
  }
  for (const ns of input.nameservers ?? []) {
    await db.insert('pool_nameservers', { ...base(), pool_id: id, host: ns.host, port: ns.port, tsigkey_id: ns.tsigkeyId ?? null });
  }
  for (const target of input.targets ?? []) {
    const targetId = target.id ?? randomUUID();
    await db.insert('pool_targets', {
      id: targetId, version: 1, created_at: now, pool_id: id, type: target.type,
      tsigkey_id: target.tsigkeyId ?? null, description: target.description ?? null,
    });
    for (const m of target.masters) {
      await db.insert('pool_target_masters', { ...base(), pool_target_id: targetId, host: m.host, port: m.port });
    }
    for (const [key, value] of Object.entries(target.options)) {
      await db.insert('pool_target_options', { ...base(), pool_target_id: targetId, key, value });
    }
  }
  for (const an of input.alsoNotifies ?? []) {
    await db.insert('pool_also_notifies', { ...base(), pool_id: id, host: an.host, port: an.port });
  }
  return getPool(db, id);
}

export async function poolNsRecords(db: Statements, id: string): Promise<PoolNsRecord[]> {
  const rows = await db.all('SELECT hostname, priority FROM pool_ns_records WHERE pool_id = ? ORDER BY priority, hostname', [id]);
  return rows.map((n) => ({ hostname: str(n.hostname), priority: num(n.priority) }));
}

export async function getPool(db: Statements, id: string): Promise<Pool> {
  const r = await db.one('SELECT * FROM pools WHERE id = ?', [id], 'pool', id);
  const attributes = await db.all('SELECT `key`, value FROM pool_attributes WHERE pool_id = ? ORDER BY `key`', [id]);
  const nsRecords = await poolNsRecords(db, id);
  const nameservers = await db.all('SELECT host, port, tsigkey_id FROM pool_nameservers WHERE pool_id = ? ORDER BY created_at, id', [id]);
  const alsoNotifies = await db.all('SELECT host, port FROM pool_also_notifies WHERE pool_id = ? ORDER BY created_at, id', [id]);
  const targetRows = await db.all('SELECT * FROM pool_targets WHERE pool_id = ? ORDER BY created_at, id', [id]);
  const targets: PoolTarget[] = [];
  for (const t of targetRows) {
    const masters = await db.all('SELECT host, port FROM pool_target_masters WHERE pool_target_id = ? ORDER BY created_at, id', [t.id]);
    const options = await db.all('SELECT `key`, value FROM pool_target_options WHERE pool_target_id = ? ORDER BY `key`', [t.id]);
    targets.push({
      id: str(t.id), type: str(t.type), description: strOrNull(t.description), tsigkeyId: strOrNull(t.tsigkey_id),
      masters: masters.map((m) => ({ host: str(m.host), port: num(m.port) })),
      options: Object.fromEntries(options.map((o) => [str(o.key), str(o.value)])),
    });
  }
  return {
    ...audit(r), name: str(r.name), description: strOrNull(r.description), tenantId: strOrNull(r.tenant_id),
    provisioner: str(r.provisioner),
    attributes: Object.fromEntries(attributes.map((a) => [str(a.key), str(a.value)])),
    nsRecords,
    nameservers: nameservers.map((n) => ({ host: str(n.host), port: num(n.port), tsigkeyId: strOrNull(n.tsigkey_id) })),
    targets,
    alsoNotifies: alsoNotifies.map((a) => ({ host: str(a.host), port: num(a.port) })),
  };
}

export async function findPools(db: Statements): Promise<Pool[]> {
  const rows = await db.all('SELECT id FROM pools ORDER BY name');
  const pools: Pool[] = [];
  for (const r of rows) pools.push(await getPool(db, str(r.id)));
  return pools;
}

export async function deletePool(db: Statements, id: string): Promise<void> {
  await db.delete('pools', 'pool', id);
}

/** Whether the pool has targets: its zones are then pushed to them by the worker, not made ACTIVE by mdns. */
export async function poolHasTargets(db: Statements, id: string): Promise<boolean> {
  return (await db.all('SELECT id FROM pool_targets WHERE pool_id = ? LIMIT 1', [id])).length > 0;
}
