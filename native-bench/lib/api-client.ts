// The v2 API as the benchmarks drive a zonecast they started: JSON calls as project `bench`, the wait for
// the API to come up, and the environment that lifts every quota.
export const BENCH_HEADERS = { 'content-type': 'application/json', 'x-auth-project-id': 'bench' };

/** Every quota off (ZONECAST_DEFAULT_QUOTA_*=-1): the benchmarks create more than a project may by default. */
export const UNLIMITED_QUOTAS: Record<string, string> = Object.fromEntries(['zones', 'zone_recordsets', 'zone_records', 'recordset_records', 'api_export_size']
  .map((q) => [`ZONECAST_DEFAULT_QUOTA_${q.toUpperCase()}`, '-1']));

/** A JSON call to the API on `port`; throws with the status and body on anything but 2xx. */
export async function api(port: number, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: BENCH_HEADERS, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** Resolves once the API on `port` answers /healthcheck (20 s at most). */
export async function untilApiAnswers(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/healthcheck`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`the API on port ${port} never came up`);
}
