// Per-tenant quota overrides.
import { randomUUID } from 'node:crypto';
import type { Statements } from './statements.ts';
import { num, str, ts } from './values.ts';

export async function setQuota(db: Statements, tenantId: string, resource: string, hardLimit: number): Promise<void> {
  const { changes } = await db.run(
    'UPDATE quotas SET hard_limit = ?, version = version + 1, updated_at = ? WHERE tenant_id = ? AND resource = ?',
    [hardLimit, ts(), tenantId, resource]);
  if (changes > 0) return;
  await db.insert('quotas', { id: randomUUID(), version: 1, created_at: ts(), tenant_id: tenantId, resource, hard_limit: hardLimit });
}

export async function getQuotas(db: Statements, tenantId: string): Promise<Record<string, number>> {
  const rows = await db.all('SELECT resource, hard_limit FROM quotas WHERE tenant_id = ? ORDER BY resource', [tenantId]);
  return Object.fromEntries(rows.map((r) => [str(r.resource), num(r.hard_limit)]));
}

export async function resetQuotas(db: Statements, tenantId: string): Promise<void> {
  await db.run('DELETE FROM quotas WHERE tenant_id = ?', [tenantId]);
}
