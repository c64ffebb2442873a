// `zonecast start` (in this process) whose default pool has real targets: mdns on a fixed port that the
// targets pull from, the worker polling the targets' DNS ports as the pool's nameservers, and quick worker
// timings so that ERROR and recovery take seconds. Zones and recordsets go through the v2 API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { startAll, type AllServices } from '../../services/all.ts';
import { updatePools } from '../../services/central/pool-update.ts';
import { parsePoolsYaml } from '../../services/central/pools-yaml.ts';
import { loadConfig } from '../../services/config/options.ts';
import { createLogger } from '../../services/log.ts';
import { call, type Reply } from '../api/http.ts';
import type { TargetDaemon } from './targets.ts';

export interface PooledSystem {
  all: AllServices;
  api(method: string, path: string, body?: unknown): Promise<Reply>;
  /** Polls the zone through the API until its status is `status` (fails after `timeoutMs`). */
  untilStatus(zoneId: string, status: string, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

/** Quick worker timings: a target down is ERROR within about 3 s, recovered within a second of its return. */
export const QUICK_WORKER = {
  ZONECAST_SERVICE_WORKER_POLL_DELAY: '1',
  ZONECAST_SERVICE_WORKER_POLL_RETRY_INTERVAL: '0.5',
  ZONECAST_SERVICE_WORKER_POLL_MAX_RETRIES: '3',
  ZONECAST_SERVICE_WORKER_POLL_TIMEOUT: '1',
  ZONECAST_PRODUCER_TASK_WORKER_PERIODIC_RECOVERY_INTERVAL: '1',
};

/**
 * The pools.yaml of a default pool whose targets are `targets`, each also a nameserver; with `tsigkeyId`,
 * each target transfers with that key and is NOTIFYed and polled with it. The zones' NS records are `nsHostnames`.
 */
export function poolYaml(targets: TargetDaemon[], tsigkeyId?: string, nsHostnames = ['ns1.example.org.']): string {
  const key = tsigkeyId ? [`      tsigkey_id: ${tsigkeyId}`] : [];
  const lines = ['- name: default', '  ns_records:', ...nsHostnames.flatMap((h, i) => [`    - hostname: ${h}`, `      priority: ${i + 1}`]), '  nameservers:'];
  for (const t of targets) lines.push('    - host: 127.0.0.1', `      port: ${t.port}`, ...key);
  lines.push('  targets:');
  for (const t of targets) {
    lines.push(`    - type: ${t.type}`, ...key, '      masters:');
    for (const m of t.masters) lines.push(`        - host: ${m.host}`, `          port: ${m.port}`);
    lines.push('      options:');
    for (const [k, v] of Object.entries(t.options)) lines.push(`        ${k}: ${JSON.stringify(v)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `zonecast start` on `mdnsPort`; its default pool gets `targets` (with `pools`, that pools.yaml once started). */
export async function startPooledSystem(mdnsPort: number, targets: TargetDaemon[], env: Record<string, string> = {}, pools = true): Promise<PooledSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-pooled-'));
  const config = loadConfig({
    env: { ...QUICK_WORKER, ...env },
    cli: { 'data-dir': dir, listen: [`127.0.0.1:${mdnsPort}`], 'api-listen': ['127.0.0.1:0'], 'compile-threads': '1' },
  });
  const all = await startAll(config, createLogger('zonecast', process.env.ZONECAST_TEST_LOG ?? 'silent'));
  if (pools) await updatePools(all.storage, parsePoolsYaml(poolYaml(targets)));
  const api = (method: string, path: string, body?: unknown) => call(all.api.ports[0], method, path, {
    headers: { 'content-type': 'application/json', 'x-auth-project-id': 'pooled' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    all, api,
    async untilStatus(zoneId, status, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let zone: any = null;
      while (Date.now() < deadline) {
        zone = (await api('GET', `/v2/zones/${zoneId}`)).json;
        if (zone?.status === status) return zone;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.unreachable(`zone ${zoneId} never ${status} within ${timeoutMs} ms; last: ${JSON.stringify(zone)}`);
    },
    async close() {
      await all.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
