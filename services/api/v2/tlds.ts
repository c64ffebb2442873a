// /v2/tlds (admin only).
import type { CentralApi } from '../../central/rpcapi.ts';
import type { Tld } from '../../storage/storage.ts';
import type { ApiServer } from '../server.ts';
import { fields, toListQuery } from './list.ts';
import { time } from './views.ts';

const TLD_FIELDS = fields({ name: 'name' });
const LIST = { filters: ['name'], sortKeys: ['created_at', 'id', 'updated_at', 'name'] };
const IDS = { uuidParams: ['tld_id'] };

export function tldView(baseUrl: string, tld: Tld): Record<string, unknown> & { id: string } {
  return {
    id: tld.id,
    name: tld.name,
    description: tld.description,
    created_at: time(tld.createdAt),
    updated_at: time(tld.updatedAt),
    links: { self: `${baseUrl}/v2/tlds/${tld.id}` },
  };
}

export function registerTlds(api: ApiServer, central: CentralApi): void {
  const { tlds } = central;
  api.route('POST', '/v2/tlds', async (req) => ({ status: 201, body: tldView(req.baseUrl, await tlds.create(req.context, req.body)) }));
  api.route('GET', '/v2/tlds', async (req) => {
    const params = req.listParams(LIST);
    const { items, total } = await tlds.list(req.context, toListQuery(params, TLD_FIELDS));
    return req.listResponse('tlds', items.map((t) => tldView(req.baseUrl, t)), params, total);
  });
  api.route('GET', '/v2/tlds/:tld_id', async (req) => ({ body: tldView(req.baseUrl, await tlds.get(req.context, req.params.tld_id)) }), IDS);
  api.route('PATCH', '/v2/tlds/:tld_id', async (req) => ({
    body: tldView(req.baseUrl, await tlds.update(req.context, req.params.tld_id, req.body)),
  }), IDS);
  api.route('DELETE', '/v2/tlds/:tld_id', async (req) => {
    await tlds.delete(req.context, req.params.tld_id);
    return { status: 204 };
  }, IDS);
}
