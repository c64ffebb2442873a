// /v2/pools: reads for everyone; the deprecated writes (create, update, delete of an empty pool) for admins.
// Pools are meant to come from pools.yaml through `zonecast manage pool-update`.
import type { CentralApi } from '../../central/rpcapi.ts';
import type { Pool } from '../../storage/storage.ts';
import type { ApiServer } from '../server.ts';
import { fields, toListQuery } from './list.ts';
import { time } from './views.ts';

const POOL_FIELDS = fields({ name: 'name' });
const LIST = { filters: ['name'], sortKeys: ['created_at', 'id', 'updated_at', 'name'] };
const IDS = { uuidParams: ['pool_id'] };

export function poolView(baseUrl: string, pool: Pool): Record<string, unknown> & { id: string } {
  return {
    id: pool.id,
    name: pool.name,
    description: pool.description,
    attributes: pool.attributes,
    ns_records: [...pool.nsRecords].sort((a, b) => a.priority - b.priority).map((n) => ({ hostname: n.hostname, priority: n.priority })),
    project_id: pool.tenantId,
    created_at: time(pool.createdAt),
    updated_at: time(pool.updatedAt),
    links: { self: `${baseUrl}/v2/pools/${pool.id}` },
  };
}

export function registerPools(api: ApiServer, central: CentralApi): void {
  const { pools } = central;
  api.route('GET', '/v2/pools', async (req) => {
    const params = req.listParams(LIST);
    const { items, total } = await pools.list(req.context, toListQuery(params, POOL_FIELDS));
    return req.listResponse('pools', items.map((p) => poolView(req.baseUrl, p)), params, total);
  });
  api.route('GET', '/v2/pools/:pool_id', async (req) => ({ body: poolView(req.baseUrl, await pools.get(req.context, req.params.pool_id)) }), IDS);
  api.route('POST', '/v2/pools', async (req) => ({ status: 201, body: poolView(req.baseUrl, await pools.create(req.context, req.body)) }));
  api.route('PATCH', '/v2/pools/:pool_id', async (req) => ({ status: 202, body: poolView(req.baseUrl, await pools.update(req.context, req.params.pool_id, req.body)) }), IDS);
  api.route('DELETE', '/v2/pools/:pool_id', async (req) => {
    await pools.delete(req.context, req.params.pool_id);
    return { status: 204 };
  }, IDS);
}
