// Whether central can do its job now: its database answers a trivial read within a bound. The API's
// /healthcheck asks this (through the bus when central runs elsewhere), so a load balancer takes an API
// instance out while the database behind it is down or stalled.
import { withDeadline } from '../deadline.ts';
import type { Caller, CentralDeps } from './context.ts';

/** A check slower than this counts as failed: a stalled database must not stall the health check. */
export const HEALTH_DEADLINE_MS = 2000;

export class Health {
  readonly #deps: CentralDeps;

  constructor(deps: CentralDeps) {
    this.#deps = deps;
  }

  /** Resolves with what was checked; rejects saying what failed. */
  async check(_caller: Caller): Promise<string[]> {
    const started = performance.now();
    try {
      await withDeadline(this.#deps.storage.version(), HEALTH_DEADLINE_MS, () => new Error(`no answer within ${HEALTH_DEADLINE_MS} ms`));
    } catch (err) {
      throw new Error(`database: ${(err as Error).message}`);
    }
    return [`database: OK (${Math.round(performance.now() - started)} ms)`];
  }
}
