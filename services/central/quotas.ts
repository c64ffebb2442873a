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

/**
 * Refuses when `count` exceeds the project's limit for `resource`. A count that needs a query is passed as a
 * function, so an unlimited resource costs none (counting a 100,000-record zone is not free).
 */
export async function enforceQuota(
  tx: Tx, options: CentralOptions, projectId: string | null, resource: QuotaResource, count: number | (() => Promise<number>),
): Promise<void> {
  const limit = projectId === null ? options.quotas[resource] : (await effectiveQuotas(tx, options, projectId))[resource];
  if (limit < 0) return;
  if ((typeof count === 'number' ? count : await count()) > limit) throw Refuse.overQuota(resource);
}
