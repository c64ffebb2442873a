// Service statuses (admin-only): the heartbeats services write with storage's updateServiceStatus.
import { type ListQuery, type ServiceStatus } from '../storage/storage.ts';
import { requireAdmin, type Caller, type CentralDeps } from './context.ts';
import { markerNotFound, Refuse } from './errors.ts';

export class ServiceStatuses {
  readonly #deps: CentralDeps;

  constructor(deps: CentralDeps) {
    this.#deps = deps;
  }

  async list(caller: Caller, query: ListQuery): Promise<{ items: ServiceStatus[]; total: number }> {
    requireAdmin(caller);
    return this.#deps.storage.transaction((tx) => tx.list('service_statuses', query)).catch(markerNotFound);
  }

  async get(caller: Caller, id: string): Promise<ServiceStatus> {
    requireAdmin(caller);
    const { items } = await this.#deps.storage.transaction((tx) => tx.list('service_statuses', { where: { id }, limit: 1 }));
    if (items.length === 0) throw Refuse.notFound('Service Status');
    return items[0];
  }
}
