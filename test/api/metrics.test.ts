// The API's /metrics (prom-client): after real requests, the counter of each route pattern and status and
// the latency histogram moved, ids never appear as labels, and the process's own metrics are there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createApiServer } from '../../services/api/server.ts';
import { apiMetrics } from '../../services/api/metrics.ts';
import { createLogger } from '../../services/log.ts';
import { moved, scrape } from '../helpers/metrics.ts';
import { call } from './http.ts';
import { registerThings, thingIds } from './things.ts';


test('requests are counted by route pattern and status, timed, and scraped at /metrics', async () => {
  const api = createApiServer({ logger: createLogger('api', 'silent'), metrics: apiMetrics });
  const ids = thingIds(2);
  registerThings(api, ids.map((id, i) => ({ id, name: `t${i}`, color: 'red', created_at: '2026-01-01T00:00:00Z' })));
  const { port } = await api.listen('127.0.0.1', 0);
  try {
    const before = await scrape();
    for (const id of ids) assert.is((await call(port, 'GET', `/v2/things/${id}`)).status, 200);
    assert.is((await call(port, 'GET', `/v2/things/${thingIds(3)[2]}`)).status, 404);
    assert.is((await call(port, 'GET', '/v2/nothing-here')).status, 404);
    const scraped = await call(port, 'GET', '/metrics');
    assert.is(scraped.status, 200);
    assert.match(String(scraped.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = scraped.text;
    const one = 'method="GET",route="/v2/things/:thing_id"';
    assert.is(moved(before, text, 'zonecast_api_requests_total', `${one},status="200"`), 2);
    assert.is(moved(before, text, 'zonecast_api_requests_total', `${one},status="404"`), 1);
    assert.is(moved(before, text, 'zonecast_api_requests_total', 'method="GET",route="unmatched",status="404"'), 1);
    assert.is(moved(before, text, 'zonecast_api_request_duration_seconds_count', one), 3);
    assert.not.match(text, new RegExp(ids[0]), 'no id is a label');
    assert.match(text, /^zonecast_process_cpu_seconds_total /m, "the process's own metrics");
    // The scrape itself is counted, at the next one.
    assert.is(moved(before, (await call(port, 'GET', '/metrics')).text, 'zonecast_api_requests_total', 'method="GET",route="/metrics",status="200"'), 1);
  } finally {
    await api.close();
  }
});

test.run();
