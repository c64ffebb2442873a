// Service statuses (admin-only): every instance of every service heartbeats here (Designate's
// central.update_service_status cast), and an instance silent for three heartbeat intervals turns DOWN.
import { type ListQuery, type ServiceState, type ServiceStatus, type ServiceStatusInput } from '../storage/storage.ts';
import { requireAdmin, type Caller, type CentralDeps } from './context.ts';
import { markerNotFound, Refuse } from './errors.ts';

const STATES: readonly ServiceState[] = ['UP', 'DOWN', 'WARNING', 'STOPPED'];
/** Heartbeats an instance may miss before it counts as DOWN. */
const MISSED_HEARTBEATS = 3;

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

  /**
   * A heartbeat (or a STOPPED on shutdown), stamped with central's clock so that skewed clocks elsewhere
   * cannot make an instance look dead. Each one also turns the instances that stopped heartbeating DOWN.
   */
  async update(input: ServiceStatusInput): Promise<void> {
    if (typeof input?.serviceName !== 'string' || typeof input.hostname !== 'string' || !STATES.includes(input.status)) {
      throw Refuse.invalidObject('a service status needs serviceName, hostname and status');
    }
    const now = new Date();
    const stale = new Date(now.getTime() - MISSED_HEARTBEATS * this.#deps.options.heartbeatInterval * 1000);
    await this.#deps.storage.transaction((tx) => tx.updateServiceStatus({ ...input, heartbeatedAt: now }));
    // Apart: one statement scanning every row in key order, so two centrals' heartbeats never deadlock.
    await this.#deps.storage.transaction((tx) => tx.markServicesDown(stale));
  }
}
