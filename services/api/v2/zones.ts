// /v2/zones and its per-zone tasks.
import type { CentralApi } from '../../central/rpcapi.ts';
import type { ApiServer } from '../server.ts';
import { fields, toListQuery } from './list.ts';
import { zoneView } from './views.ts';

const ZONE_FIELDS = fields(
  { name: 'name', type: 'type', email: 'email', status: 'status', description: 'description', ttl: 'ttl', tenant_id: 'tenantId', serial: 'serial' },
  ['ttl', 'serial'],
);
const LIST = {
  filters: ['name', 'type', 'email', 'status', 'description', 'ttl'],
  sortKeys: ['created_at', 'id', 'updated_at', 'name', 'tenant_id', 'serial', 'ttl', 'status'],
};
const ZONE_ID = { uuidParams: ['zone_id'] };

export function registerZones(api: ApiServer, central: CentralApi): void {
  const { zones } = central;
  api.route('POST', '/v2/zones', async (req) => {
    const detail = await zones.create(req.context, req.body);
    return { status: detail.zone.status === 'PENDING' ? 202 : 201, body: zoneView(req.baseUrl, detail) };
  });
  api.route('GET', '/v2/zones', async (req) => {
    const params = req.listParams(LIST);
    const { items, total } = await zones.list(req.context, toListQuery(params, ZONE_FIELDS));
    return req.listResponse('zones', items.map((d) => zoneView(req.baseUrl, d)), params, total);
  });
  api.route('GET', '/v2/zones/:zone_id', async (req) => ({
    body: zoneView(req.baseUrl, await zones.get(req.context, req.params.zone_id)),
  }), ZONE_ID);
  api.route('PATCH', '/v2/zones/:zone_id', async (req) => {
    const detail = await zones.update(req.context, req.params.zone_id, req.body);
    return { status: detail.zone.status === 'PENDING' ? 202 : 200, body: zoneView(req.baseUrl, detail) };
  }, ZONE_ID);
  api.route('DELETE', '/v2/zones/:zone_id', async (req) => ({
    status: 202, body: zoneView(req.baseUrl, await zones.delete(req.context, req.params.zone_id)),
  }), ZONE_ID);
  api.route('GET', '/v2/zones/:zone_id/nameservers', async (req) => ({
    body: { nameservers: await zones.nameservers(req.context, req.params.zone_id) },
  }), ZONE_ID);
  api.route('POST', '/v2/zones/:zone_id/tasks/abandon', async (req) => {
    await zones.abandon(req.context, req.params.zone_id);
    return { status: 204 };
  }, { ...ZONE_ID, ignoresBody: true });
  api.route('POST', '/v2/zones/:zone_id/tasks/xfr', async (req) => {
    await zones.xfr(req.context, req.params.zone_id);
    return { status: 202 };
  }, { ...ZONE_ID, ignoresBody: true });
}
