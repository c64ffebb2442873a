// A pool as one zone action needs it, read from storage for every action so that `zonecast manage
// pool-update` takes effect without a restart (Designate's worker caches pools until it restarts): a backend
// per target, the addresses to NOTIFY with their keys (the nameservers and also_notifies: a target's own
// `host`/`port` options mean its control channel for some backends, so NOTIFY goes where the pool says DNS
// is), the nameservers to poll and the masters (mdns) the targets pull from.
import { keyFromFields, type TsigKey } from '../../engine/tsig/keys.ts';
import type { Primary } from '../../engine/xfr/client.ts';
import { NotFoundError, type Pool, type Storage, type Tx } from '../storage/storage.ts';
import { BackendError, type Backend } from './backend.ts';
import { createBackend } from './backends/index.ts';

export interface PlannedTarget {
  /** A short name for logs: its type, place in the pool and description. */
  label: string;
  /** Its type (bind9, knot2, pdns4, nsd4, ...), for metrics. */
  type: string;
  /** The backend, or why there is none (unknown type, bad options): the target then fails every call. */
  backend: Backend | BackendError;
}

export interface PoolPlan {
  pool: Pool;
  targets: PlannedTarget[];
  /** Polled for the serial (pools.yaml nameservers), each with its key. */
  nameservers: Primary[];
  /** Every address to NOTIFY once the targets have the zone: nameservers and also_notifies. */
  notify: Primary[];
  /** The distinct masters (mdns instances) the targets transfer from. */
  masters: Primary[];
}

const endpoint = (h: { host: string; port: number }) => `${h.host}#${h.port}`;

type KeyFields = { name: string; algorithm: string; secret: string };

/** The stored key `id` (null: none named, or deleted since), read once per plan. */
async function keyRow(tx: Tx, id: string | null | undefined, cache: Map<string, KeyFields | null>): Promise<KeyFields | null> {
  if (!id) return null;
  if (!cache.has(id)) {
    cache.set(id, await tx.getTsigKey(id).then(({ name, algorithm, secret }) => ({ name, algorithm, secret }), (err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    }));
  }
  return cache.get(id)!;
}

const wireKey = (row: KeyFields | null): TsigKey | null => row && keyFromFields(row.name, row.algorithm, row.secret);

/** Reads pool `poolId` and the TSIG keys it names; throws NotFoundError when the pool is gone. */
export async function readPoolPlan(storage: Storage, poolId: string): Promise<PoolPlan> {
  return storage.transaction(async (tx) => {
    const pool = await tx.getPool(poolId);
    const keys = new Map<string, KeyFields | null>();
    const targets: PlannedTarget[] = [];
    for (const [i, target] of pool.targets.entries()) {
      const row = await keyRow(tx, target.tsigkeyId, keys);
      let backend: Backend | BackendError;
      try {
        backend = createBackend({ type: target.type, masters: target.masters, options: target.options, tsigKey: row });
      } catch (err) {
        backend = err instanceof BackendError ? err : new BackendError(String(err));
      }
      targets.push({ label: `${target.type}[${i}]${target.description ? ` (${target.description})` : ''}`, type: target.type, backend });
    }
    const nameservers: Primary[] = [];
    for (const ns of pool.nameservers) nameservers.push({ host: ns.host, port: ns.port, key: wireKey(await keyRow(tx, ns.tsigkeyId, keys)) });
    const notify = new Map<string, Primary>(nameservers.map((ns) => [endpoint(ns), ns]));
    for (const an of pool.alsoNotifies) if (!notify.has(endpoint(an))) notify.set(endpoint(an), { host: an.host, port: an.port, key: null });
    const masters = new Map<string, Primary>();
    for (const t of pool.targets) for (const m of t.masters) masters.set(endpoint(m), { host: m.host, port: m.port, key: null });
    return { pool, targets, nameservers, notify: [...notify.values()], masters: [...masters.values()] };
  });
}
