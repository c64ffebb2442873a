// /v2/tsigkeys (admin only).
import type { CentralApi } from '../../central/rpcapi.ts';
import type { TsigKey } from '../../storage/storage.ts';
import type { ApiServer } from '../server.ts';
import { fields, toListQuery } from './list.ts';
import { time } from './views.ts';

const TSIGKEY_FIELDS = fields({ name: 'name', algorithm: 'algorithm', scope: 'scope' });
const LIST = { filters: ['name', 'algorithm', 'scope'], sortKeys: ['created_at', 'id', 'updated_at', 'name', 'scope'] };
const IDS = { uuidParams: ['tsigkey_id'] };

export function tsigkeyView(baseUrl: string, key: TsigKey): Record<string, unknown> & { id: string } {
  return {
    id: key.id,
    name: key.name,
    algorithm: key.algorithm,
    secret: key.secret,
    scope: key.scope,
    resource_id: key.resourceId,
    created_at: time(key.createdAt),
    updated_at: time(key.updatedAt),
    links: { self: `${baseUrl}/v2/tsigkeys/${key.id}` },
  };
}

export function registerTsigKeys(api: ApiServer, central: CentralApi): void {
  const { tsigkeys } = central;
  api.route('POST', '/v2/tsigkeys', async (req) => ({
    status: 201, body: tsigkeyView(req.baseUrl, await tsigkeys.create(req.context, req.body)),
  }));
  api.route('GET', '/v2/tsigkeys', async (req) => {
    const params = req.listParams(LIST);
    const { items, total } = await tsigkeys.list(req.context, toListQuery(params, TSIGKEY_FIELDS));
    return req.listResponse('tsigkeys', items.map((k) => tsigkeyView(req.baseUrl, k)), params, total);
  });
  api.route('GET', '/v2/tsigkeys/:tsigkey_id', async (req) => ({
    body: tsigkeyView(req.baseUrl, await tsigkeys.get(req.context, req.params.tsigkey_id)),
  }), IDS);
  api.route('PATCH', '/v2/tsigkeys/:tsigkey_id', async (req) => ({
    body: tsigkeyView(req.baseUrl, await tsigkeys.update(req.context, req.params.tsigkey_id, req.body)),
  }), IDS);
  api.route('DELETE', '/v2/tsigkeys/:tsigkey_id', async (req) => {
    await tsigkeys.delete(req.context, req.params.tsigkey_id);
    return { status: 204 };
  }, IDS);
}
