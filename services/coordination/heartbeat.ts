// The memberships one process holds, each refreshed every heartbeat so that it outlives no dead process by
// more than its expiry; shared by the backends that keep members as expiring keys (Redis, memcached).
import type { Logger } from '../log.ts';

export class MembershipHeartbeat {
  /** group → this process's member id in it. */
  readonly joined = new Map<string, string>();
  readonly #intervalS: number;
  readonly #refresh: (group: string, member: string) => Promise<void>;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | null = null;

  constructor(intervalS: number, refresh: (group: string, member: string) => Promise<void>, log: Logger) {
    this.#intervalS = intervalS;
    this.#refresh = refresh;
    this.#log = log;
  }

  /** Refreshes the membership now, then every interval until stop(). */
  async join(group: string, member: string): Promise<void> {
    this.joined.set(group, member);
    await this.#refresh(group, member);
    this.#timer ??= setInterval(() => {
      for (const [g, m] of this.joined) {
        this.#refresh(g, m).catch((err: Error) => this.#log.warn({ group: g, err: err.message }, 'coordination heartbeat failed'));
      }
    }, this.#intervalS * 1000);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
