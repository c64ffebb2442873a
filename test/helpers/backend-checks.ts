// The contract every backend suite checks against its real daemon: a created zone is transferred in from
// zonecast's mdns and served at mdns's serial; creating it again changes nothing; a deleted zone is no
// longer served and deleting it again succeeds; a target that does not answer is a BackendError naming
// the call.
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import { BackendError, type Backend } from '../../services/worker/backend.ts';
import { createBackend } from '../../services/worker/backends/index.ts';
import { ask } from './client.ts';
import { until } from './until.ts';
import { startServer, type TestServer } from './server.ts';
import { startTarget, type TargetDaemon, type TargetType } from './targets.ts';

/**
 * The contract suite of backend `type` against its real daemon, secondary to a zonecast serving the demo
 * zones; `what` is how the backend names its create call in errors.
 */
export function backendSuite(type: TargetType, what: string): void {
  const t = suite<BackendSuite & { daemon: TargetDaemon | null }>(`${type} backend`, {} as BackendSuite & { daemon: TargetDaemon | null });
  let enabled = true;
  t.before(async (ctx) => {
    ctx.zc = await startServer({ allowTransfer: ['127.0.0.1'] });
    ctx.daemon = await startTarget(type, ctx.zc.port);
    enabled = ctx.daemon !== null;
    if (ctx.daemon === null) return;
    const { masters, options, port } = ctx.daemon;
    ctx.port = port;
    ctx.backend = createBackend({ type, masters, options });
    ctx.unreachable = async () => createBackend({ type, masters, options: await ctx.daemon!.unreachableOptions() });
  });
  t.after(async (ctx) => {
    await ctx.daemon?.cleanup();
    await ctx.zc?.close();
  });
  backendContract(t, () => enabled, what);
  t.run();
}

export interface BackendSuite {
  /** zonecast's mdns, serving the demo zones. */
  zc: TestServer;
  backend: Backend;
  /** The target's DNS port. */
  port: number;
  /** A backend for the same target type whose control channel does not answer. */
  unreachable: () => Promise<Backend>;
}

/** Registers the contract's tests; `enabled` false (the daemon is not installed) makes each a no-op. */
function backendContract<C extends BackendSuite>(t: Test<C>, enabled: () => boolean, what: string): void {
  t('a created zone is transferred from mdns and served; creating it again or refreshing it changes nothing', async (ctx) => {
    if (!enabled()) return;
    const served = (await soaOf(ctx.zc.port, 'example.com.')).serial;
    assert.ok(served !== null);
    assert.is((await soaOf(ctx.port, 'example.com.')).rcode, 'REFUSED', 'not served before');
    await ctx.backend.createZone('example.com.');
    await until('the target serves example.com. at the mdns serial', async () => (await soaOf(ctx.port, 'example.com.')).serial === served);
    await ctx.backend.createZone('example.com.');
    await ctx.backend.createZone('example.net.');
    await until('the target serves example.net. too', async () => (await soaOf(ctx.port, 'example.net.')).rcode === 'NOERROR');
    assert.is((await soaOf(ctx.port, 'example.com.')).serial, served, 'still served after a second create');
    assert.ok(ctx.backend.refreshZone, 'the worker can nudge it');
    await ctx.backend.refreshZone('example.com.');
    assert.is((await soaOf(ctx.port, 'example.com.')).serial, served, 'still served after a refresh');
  });

  t('a deleted zone is no longer served; deleting it again succeeds', async (ctx) => {
    if (!enabled()) return;
    await ctx.backend.deleteZone('example.com.');
    await until('example.com. gone from the target', async () => (await soaOf(ctx.port, 'example.com.')).rcode === 'REFUSED');
    await ctx.backend.deleteZone('example.com.');
    assert.is((await soaOf(ctx.port, 'example.net.')).rcode, 'NOERROR', 'the other zone stays');
  });

  t('a target that does not answer: a BackendError naming the call', async (ctx) => {
    if (!enabled()) return;
    await failsWithBackendError((await ctx.unreachable()).createZone('example.org.'), new RegExp(`${what}.*example\\.org\\.`));
  });
}

/** The target's answer to SOA for `zone`: its rcode (TIMEOUT: no answer) and serial. */
export async function soaOf(port: number, zone: string): Promise<{ rcode: string; serial: number | null }> {
  const reply = await ask(port, zone, 'SOA');
  return { rcode: reply?.rcode ?? 'TIMEOUT', serial: reply?.answers.find((rr) => rr.type === 'SOA')?.data.serial ?? null };
}


export async function failsWithBackendError(call: Promise<unknown>, names: RegExp): Promise<void> {
  try {
    await call;
  } catch (err) {
    assert.instance(err, BackendError);
    assert.match((err as Error).message, names);
    return;
  }
  assert.unreachable('should have failed');
}
