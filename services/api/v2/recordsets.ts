// /v2/zones/{zone_id}/recordsets and the cross-zone /v2/recordsets.
import type { CentralApi } from '../../central/rpcapi.ts';
import type { ApiServer } from '../server.ts';
import { fields, toListQuery } from './list.ts';
import { recordsetView } from './views.ts';

const RECORDSET_FIELDS = fields(
  {
    name: 'name', type: 'type', ttl: 'ttl', data: 'data', status: 'status', description: 'description',
    zone_id: 'zoneId', tenant_id: 'tenantId',
  },
  ['ttl'],
);
const LIST = {
  filters: ['name', 'type', 'ttl', 'data', 'status', 'description'],
  sortKeys: ['created_at', 'id', 'updated_at', 'zone_id', 'tenant_id', 'name', 'type', 'ttl'],
};
const IDS = { uuidParams: ['zone_id', 'recordset_id'] };

export function registerRecordsets(api: ApiServer, central: CentralApi): void {
  const { recordsets } = central;
  api.route('POST', '/v2/zones/:zone_id/recordsets', async (req) => {
    const detail = await recordsets.create(req.context, req.params.zone_id, req.body);
    return { status: detail.status === 'PENDING' ? 202 : 201, body: recordsetView(req.baseUrl, detail) };
  }, IDS);
  api.route('GET', '/v2/zones/:zone_id/recordsets', async (req) => {
    const params = req.listParams(LIST);
    const { items, total } = await recordsets.list(req.context, req.params.zone_id, toListQuery(params, RECORDSET_FIELDS));
    return req.listResponse('recordsets', items.map((d) => recordsetView(req.baseUrl, d)), params, total);
  }, IDS);
  api.route('GET', '/v2/zones/:zone_id/recordsets/:recordset_id', async (req) => ({
    body: recordsetView(req.baseUrl, await recordsets.get(req.context, req.params.zone_id, req.params.recordset_id)),
  }), IDS);
  api.route('PUT', '/v2/zones/:zone_id/recordsets/:recordset_id', async (req) => {
    const detail = await recordsets.update(req.context, req.params.zone_id, req.params.recordset_id, req.body);
    return { status: detail.status === 'PENDING' ? 202 : 200, body: recordsetView(req.baseUrl, detail) };
  }, IDS);
  api.route('DELETE', '/v2/zones/:zone_id/recordsets/:recordset_id', async (req) => ({
    status: 202,
    body: recordsetView(req.baseUrl, await recordsets.delete(req.context, req.params.zone_id, req.params.recordset_id)),
  }), IDS);
  api.route('GET', '/v2/recordsets', async (req) => {
    const params = req.listParams({ ...LIST, filters: [...LIST.filters, 'zone_id'] });
    const { items, total } = await recordsets.list(req.context, null, toListQuery(params, RECORDSET_FIELDS));
    return req.listResponse('recordsets', items.map((d) => recordsetView(req.baseUrl, d)), params, total);
  });
  // Designate answers the short form with a redirect to the recordset's place under its zone.
  api.route('GET', '/v2/recordsets/:recordset_id', async (req) => {
    const zoneId = await recordsets.zoneOf(req.context, req.params.recordset_id);
    return { status: 301, headers: { location: req.url(`/v2/zones/${zoneId}/recordsets/${req.params.recordset_id}`) } };
  }, IDS);
}
