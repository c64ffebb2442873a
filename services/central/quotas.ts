// Designate's storage quota driver: per-project overrides in the quotas table over the configured defaults
// (`[DEFAULT] quota_*`). A negative limit means unlimited; going over answers 413 over_quota.
import type { Tx } from '../storage/storage.ts';
import { QUOTA_RESOURCES, type CentralOptions, type QuotaResource } from './context.ts';
import { Refuse } from './errors.ts';

export type Quotas = Record<QuotaResource, number>;

export async function effectiveQuotas(tx: Tx, options: CentralOptions, projectId: string): Promise<Quotas> {
  const overrides = await tx.getQuotas(projectId);
  const quotas = { ...options.quotas };
  for (const resource of QUOTA_RESOURCES) if (overrides[resource] !== undefined) quotas[resource] = overrides[resource];
  return quotas;
}

/** A resource and what it would count after the change; a count that needs a query is a function. */
export type QuotaCheck = [resource: QuotaResource, count: number | (() => Promise<number>)];

/**
 * Refuses when a count exceeds the project's limit for its resource, in the order given. The project's
 * limits are read once; a count function runs only for a limited resource, so an unlimited one costs no
 * query (counting a 100,000-record zone is not free).
 */
export async function enforceQuotas(tx: Tx, options: CentralOptions, projectId: string | null, checks: readonly QuotaCheck[]): Promise<void> {
  const limits = projectId === null ? options.quotas : await effectiveQuotas(tx, options, projectId);
  for (const [resource, count] of checks) {
    const limit = limits[resource];
    if (limit < 0) continue;
    if ((typeof count === 'number' ? count : await count()) > limit) throw Refuse.overQuota(resource);
  }
}

export function enforceQuota(tx: Tx, options: CentralOptions, projectId: string | null, resource: QuotaResource, count: QuotaCheck[1]): Promise<void> {
  return enforceQuotas(tx, options, projectId, [[resource, count]]);
}
