// /v2/quotas: the caller's own quotas, or (admin, or the project itself) those of /v2/quotas/{project_id}.
import type { CentralApi } from '../../central/rpcapi.ts';
import type { ApiServer } from '../server.ts';

export function registerQuotas(api: ApiServer, central: CentralApi): void {
  const { quotas } = central;
  api.route('GET', '/v2/quotas', async (req) => ({ body: await quotas.get(req.context) }));
  api.route('GET', '/v2/quotas/:project_id', async (req) => ({ body: await quotas.get(req.context, req.params.project_id) }));
  api.route('PATCH', '/v2/quotas/:project_id', async (req) => ({ body: await quotas.set(req.context, req.params.project_id, req.body) }));
  api.route('DELETE', '/v2/quotas/:project_id', async (req) => {
    await quotas.reset(req.context, req.params.project_id);
    return { status: 204 };
  });
}
