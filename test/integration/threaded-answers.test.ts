// Every answering suite again, on two answering threads ([service:mdns] workers = 2): the same rules, the
// same transfers, the same interop with Knot and BIND, answered by threads mirroring the main thread's
// zones. They run in a child process of their own because the server helper reads the thread count once
// per process (ZONECAST_TEST_MDNS_WORKERS); its failures are reported here by name.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const SUITES = [
  'integration/answer.test', 'integration/axfr.test', 'integration/ixfr.test', 'integration/protocol.test', 'integration/udp-batch.test',
  'interop/axfr-tsig.test', 'interop/knot.test', 'interop/secondary.test', 'interop/transfer-in.test',
];

test('the answering suites pass with workers = 2', async () => {
  const runner = new URL('../run.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [runner, ...SUITES], {
    env: { ...process.env, ZONECAST_TEST_MDNS_WORKERS: '2', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const summary = /(\d+) passed, (\d+) failed/.exec(output);
  const failures = output.split('\n').filter((l) => l.includes('FAIL')).map((l) => l.trim());
  assert.ok(summary !== null, `no summary from the threaded run (exit ${code}):\n${output.slice(-2000)}`);
  assert.is(Number(summary![2]), 0, `threaded failures:\n${failures.join('\n')}`);
  assert.ok(Number(summary![1]) >= 60, `every suite ran: ${summary![1]} tests`);
  assert.is(code, 0);
});

test.run();
