// `[service:<name>] metrics_listen` in a process of its own: `zonecast mdns --zones DIR --metrics-listen`
// started for real, asked DNS questions, scraped over HTTP; its counters moved, and it stops by its PID.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { call } from '../api/http.ts';
import { query, udp } from '../helpers/client.ts';
import { sample } from '../helpers/metrics.ts';
import { DEMO_ZONES } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

const CLI = resolve(import.meta.dirname, '../../bin/zonecast.ts');

test('zonecast mdns serves its metrics on metrics_listen', async () => {
  const [dns, metrics] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [CLI, 'mdns', '--zones', DEMO_ZONES, '--listen', `127.0.0.1:${dns}`, '--workers', '1', '--metrics-listen', `127.0.0.1:${metrics}`], {
    stdio: 'ignore', env: { ...process.env, ZONECAST_LOG_LEVEL: 'warn' },
  });
  try {
    await until('metrics answer', async () => (await call(metrics, 'GET', '/metrics').catch(() => null))?.status === 200, 20_000);
    for (let i = 0; i < 5; i++) assert.is((await udp(dns, query('www.example.com.', 'A'))).rcode, 'NOERROR');
    const scraped = await call(metrics, 'GET', '/metrics');
    assert.match(String(scraped.headers['content-type']), /^text\/plain/);
    assert.is(sample(scraped.text, 'zonecast_dns_queries_total', 'transport="udp",qtype="A",rcode="NOERROR"'), 5);
    assert.ok(sample(scraped.text, 'zonecast_mdns_zones') >= 4);
    assert.match(scraped.text, /^zonecast_process_resident_memory_bytes /m);
    assert.is((await call(metrics, 'GET', '/')).status, 404);
    assert.is((await call(metrics, 'POST', '/metrics')).status, 405);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  }
});

test.run();
