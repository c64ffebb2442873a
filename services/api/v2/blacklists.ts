// /v2/blacklists (admin only).
import type { CentralApi } from '../../central/rpcapi.ts';
import type { Blacklist } from '../../storage/storage.ts';
import type { ApiServer } from '../server.ts';
import { fields, toListQuery } from './list.ts';
import { time } from './views.ts';

const BLACKLIST_FIELDS = fields({ pattern: 'pattern' });
const LIST = { filters: ['pattern'], sortKeys: ['created_at', 'id', 'updated_at', 'pattern'] };
const IDS = { uuidParams: ['blacklist_id'] };

export function blacklistView(baseUrl: string, entry: Blacklist): Record<string, unknown> & { id: string } {
  return {
    id: entry.id,
    pattern: entry.pattern,
    description: entry.description,
    created_at: time(entry.createdAt),
    updated_at: time(entry.updatedAt),
    links: { self: `${baseUrl}/v2/blacklists/${entry.id}` },
  };
}

export function registerBlacklists(api: ApiServer, central: CentralApi): void {
  const { blacklists } = central;
  api.route('POST', '/v2/blacklists', async (req) => ({
    status: 201, body: blacklistView(req.baseUrl, await blacklists.create(req.context, req.body)),
  }));
  api.route('GET', '/v2/blacklists', async (req) => {
    const params = req.listParams(LIST);
    const { items, total } = await blacklists.list(req.context, toListQuery(params, BLACKLIST_FIELDS));
    return req.listResponse('blacklists', items.map((b) => blacklistView(req.baseUrl, b)), params, total);
  });
  api.route('GET', '/v2/blacklists/:blacklist_id', async (req) => ({
    body: blacklistView(req.baseUrl, await blacklists.get(req.context, req.params.blacklist_id)),
  }), IDS);
  api.route('PATCH', '/v2/blacklists/:blacklist_id', async (req) => ({
    body: blacklistView(req.baseUrl, await blacklists.update(req.context, req.params.blacklist_id, req.body)),
  }), IDS);
  api.route('DELETE', '/v2/blacklists/:blacklist_id', async (req) => {
    await blacklists.delete(req.context, req.params.blacklist_id);
    return { status: 204 };
  }, IDS);
}
