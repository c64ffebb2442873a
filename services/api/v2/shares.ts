// /v2/zones/{zone_id}/shares (API 2.1): sharing a zone with other projects.
import type { CentralApi } from '../../central/rpcapi.ts';
import type { ApiServer } from '../server.ts';
import { fields, toListQuery } from './list.ts';
import { sharedZoneView } from './views.ts';

const SHARE_FIELDS = fields({ target_project_id: 'targetProjectId' });
const LIST = { filters: ['target_project_id'], sortKeys: ['created_at', 'id', 'updated_at', 'target_project_id'] };
const IDS = { uuidParams: ['zone_id', 'share_id'] };

export function registerShares(api: ApiServer, central: CentralApi): void {
  const { shares } = central;
  api.route('POST', '/v2/zones/:zone_id/shares', async (req) => ({
    status: 201, body: sharedZoneView(req.baseUrl, await shares.create(req.context, req.params.zone_id, req.body)),
  }), IDS);
  api.route('GET', '/v2/zones/:zone_id/shares', async (req) => {
    const params = req.listParams(LIST);
    const { items, total } = await shares.list(req.context, req.params.zone_id, toListQuery(params, SHARE_FIELDS));
    return req.listResponse('shared_zones', items.map((s) => sharedZoneView(req.baseUrl, s)), params, total);
  }, IDS);
  api.route('GET', '/v2/zones/:zone_id/shares/:share_id', async (req) => ({
    body: sharedZoneView(req.baseUrl, await shares.get(req.context, req.params.zone_id, req.params.share_id)),
  }), IDS);
  api.route('DELETE', '/v2/zones/:zone_id/shares/:share_id', async (req) => {
    await shares.delete(req.context, req.params.zone_id, req.params.share_id);
    return { status: 204 };
  }, IDS);
}
