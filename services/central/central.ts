// The central service: every rule about what may be stored, and the only writer of storage. The API calls it
// in process (embedded mode) or through the bus; mdns's 'zone.served' reports, or for pools with targets the
// worker's update_status, make zones ACTIVE.
import { Blacklists } from './blacklists.ts';
import { Exports } from './exports.ts';
import { Health } from './health.ts';
import { Imports } from './imports.ts';
import { ManagedRecords } from './managed-records.ts';
import { Pools } from './pools.ts';
import { QuotaService } from './quota-service.ts';
import { Recordsets } from './recordsets.ts';
import { ServiceStatuses } from './service-statuses.ts';
import { Shares } from './shares.ts';
import { Tlds } from './tlds.ts';
import { Transfers } from './transfers.ts';
import { TsigKeys } from './tsigkeys.ts';
import { ZoneBatches } from './zone-batches.ts';
import { ZoneStatuses } from './zone-status.ts';
import { Zones } from './zones.ts';
import type { CentralDeps } from './context.ts';

export class Central {
  readonly zones: Zones;
  readonly zoneStatuses: ZoneStatuses;
  readonly zoneBatches: ZoneBatches;
  readonly managedRecords: ManagedRecords;
  readonly recordsets: Recordsets;
  readonly tlds: Tlds;
  readonly blacklists: Blacklists;
  readonly tsigkeys: TsigKeys;
  readonly pools: Pools;
  readonly quotas: QuotaService;
  readonly serviceStatuses: ServiceStatuses;
  readonly shares: Shares;
  readonly transfers: Transfers;
  readonly imports: Imports;
  readonly exports: Exports;
  readonly health: Health;
  readonly #deps: CentralDeps;
  #unsubscribe: (() => void) | null = null;

  constructor(deps: CentralDeps) {
    this.#deps = deps;
    this.zones = new Zones(deps);
    this.zoneStatuses = new ZoneStatuses(deps, this.zones);
    this.zoneBatches = new ZoneBatches(deps, this.zones);
    this.managedRecords = new ManagedRecords(deps, this.zones);
    this.recordsets = new Recordsets(deps, this.zones);
    this.shares = new Shares(deps);
    this.transfers = new Transfers(deps);
    this.imports = new Imports(deps, this.zones);
    this.exports = new Exports(deps);
    this.tlds = new Tlds(deps);
    this.blacklists = new Blacklists(deps);
    this.tsigkeys = new TsigKeys(deps);
    this.pools = new Pools(deps);
    this.quotas = new QuotaService(deps);
    this.serviceStatuses = new ServiceStatuses(deps);
    this.health = new Health(deps);
  }

  start(): void {
    const { bus, log } = this.#deps;
    const unsubscribes = [
      bus.subscribe('zone.served', ({ zoneId, serial, host }) =>
        this.zoneStatuses.served(zoneId, serial, host).catch((err: Error) =>
          log.error({ zone_id: zoneId, serial, err: err.message }, 'could not record the served serial'))),
      bus.subscribe('zone.failed', ({ zoneId, serial, reason }) =>
        this.zoneStatuses.failed(zoneId, serial, reason).catch((err: Error) =>
          log.error({ zone_id: zoneId, serial, err: err.message }, 'could not record the failed serial'))),
      // Rejected on a storage failure, so that the cast is delivered again rather than lost.
      bus.subscribe('update_status', (report) => this.zoneStatuses.update(report)),
    ];
    this.#unsubscribe = () => unsubscribes.forEach((u) => u());
  }

  /** Stops taking served reports and waits for running imports, so storage can close under nothing. */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    await this.imports.idle();
  }
}
