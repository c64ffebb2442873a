// Every Designate v2 resource, on one API server.
import type { CentralApi } from '../../central/rpcapi.ts';
import type { ApiServer } from '../server.ts';
import { registerBlacklists } from './blacklists.ts';
import { registerLimits } from './limits.ts';
import { registerPools } from './pools.ts';
import { registerQuotas } from './quotas.ts';
import { registerRecordsets } from './recordsets.ts';
import { registerServiceStatuses } from './service-statuses.ts';
import { registerShares } from './shares.ts';
import { registerTlds } from './tlds.ts';
import { registerTransfers } from './transfers.ts';
import { registerTsigKeys } from './tsigkeys.ts';
import { registerZoneTasks } from './zone-tasks.ts';
import { registerZones } from './zones.ts';

export { mapServiceError } from './errors.ts';

export function registerV2(api: ApiServer, central: CentralApi): void {
  registerZones(api, central);
  registerRecordsets(api, central);
  registerShares(api, central);
  registerTransfers(api, central);
  registerZoneTasks(api, central);
  registerTlds(api, central);
  registerBlacklists(api, central);
  registerTsigKeys(api, central);
  registerQuotas(api, central);
  registerLimits(api, central);
  registerPools(api, central);
  registerServiceStatuses(api, central);
}
