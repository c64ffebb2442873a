// /v2/limits: Designate's absolute limits of the caller's project.
import type { CentralApi } from '../../central/rpcapi.ts';
import type { ApiServer } from '../server.ts';

/** `maxPageLimit` is the API's max_limit_v2 (what `limit=max` means). */
export function registerLimits(api: ApiServer, central: CentralApi, maxPageLimit = 1000): void {
  api.route('GET', '/v2/limits', async (req) => ({ body: await central.quotas.limits(req.context, maxPageLimit) }));
}
