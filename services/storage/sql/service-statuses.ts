// The heartbeats of running services.
import { randomUUID } from 'node:crypto';
import type { ServiceStatus, ServiceStatusInput } from '../storage.ts';
import type { Statements } from './statements.ts';
import { audit, dateOrNull, str, ts, type Row } from './values.ts';

const json = (value: unknown): Record<string, unknown> => (value === null || value === undefined ? {} : JSON.parse(String(value)));

export const toServiceStatus = (r: Row): ServiceStatus => ({
  ...audit(r),
  serviceName: str(r.service_name), hostname: str(r.hostname), heartbeatedAt: dateOrNull(r.heartbeated_at),
  status: str(r.status) as ServiceStatus['status'], stats: json(r.stats), capabilities: json(r.capabilities),
});

export async function updateServiceStatus(db: Statements, input: ServiceStatusInput): Promise<ServiceStatus> {
  const values = [input.status, input.heartbeatedAt ?? new Date(), JSON.stringify(input.stats ?? {}),
    JSON.stringify(input.capabilities ?? {})];
  const { changes } = await db.run(
    'UPDATE service_statuses SET status = ?, heartbeated_at = ?, stats = ?, capabilities = ?, version = version + 1, ' +
    'updated_at = ? WHERE service_name = ? AND hostname = ?', [...values, ts(), input.serviceName, input.hostname]);
  if (changes === 0) {
    await db.insert('service_statuses', {
      id: randomUUID(), version: 1, created_at: ts(), service_name: input.serviceName, hostname: input.hostname,
      status: values[0], heartbeated_at: values[1], stats: values[2], capabilities: values[3],
    });
  }
  const rows = await db.all('SELECT * FROM service_statuses WHERE service_name = ? AND hostname = ?',
    [input.serviceName, input.hostname]);
  return toServiceStatus(rows[0]);
}

export async function markServicesDown(db: Statements, heartbeatBefore: Date): Promise<number> {
  const { changes } = await db.run("UPDATE service_statuses SET status = 'DOWN', version = version + 1, updated_at = ? " +
    "WHERE status = 'UP' AND heartbeated_at < ?", [ts(), heartbeatBefore]);
  return changes;
}

export async function findServiceStatuses(db: Statements): Promise<ServiceStatus[]> {
  const rows = await db.all('SELECT * FROM service_statuses ORDER BY service_name, hostname');
  return rows.map(toServiceStatus);
}
