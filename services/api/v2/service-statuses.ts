// /v2/service_statuses and its alias /v2/service_status (admin only).
import type { CentralApi } from '../../central/rpcapi.ts';
import type { ServiceStatus } from '../../storage/storage.ts';
import type { ApiServer } from '../server.ts';
import { fields, toListQuery } from './list.ts';
import { time } from './views.ts';

const STATUS_FIELDS = fields({ hostname: 'hostname', service_name: 'serviceName', status: 'status' });
const LIST = {
  filters: ['hostname', 'service_name', 'status'],
  sortKeys: ['created_at', 'id', 'updated_at', 'hostname', 'service_name', 'status'],
};
const IDS = { uuidParams: ['service_id'] };

export function serviceStatusView(baseUrl: string, s: ServiceStatus): Record<string, unknown> & { id: string } {
  return {
    id: s.id,
    service_name: s.serviceName,
    hostname: s.hostname,
    status: s.status,
    stats: s.stats,
    capabilities: s.capabilities,
    heartbeated_at: time(s.heartbeatedAt),
    created_at: time(s.createdAt),
    updated_at: time(s.updatedAt),
    links: { self: `${baseUrl}/v2/service_statuses/${s.id}` },
  };
}

export function registerServiceStatuses(api: ApiServer, central: CentralApi): void {
  const { serviceStatuses } = central;
  for (const base of ['/v2/service_statuses', '/v2/service_status']) {
    api.route('GET', base, async (req) => {
      const params = req.listParams(LIST);
      const { items, total } = await serviceStatuses.list(req.context, toListQuery(params, STATUS_FIELDS));
      return req.listResponse('service_statuses', items.map((s) => serviceStatusView(req.baseUrl, s)), params, total);
    });
    api.route('GET', `${base}/:service_id`, async (req) => ({
      body: serviceStatusView(req.baseUrl, await serviceStatuses.get(req.context, req.params.service_id)),
    }), IDS);
  }
}
