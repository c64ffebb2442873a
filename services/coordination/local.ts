// No coordination backend (`[coordination] backend_url` unset), as Designate without a DLM: this instance is
// the only member it knows of, so it works every shard. With several producers that means every periodic
// task runs once per producer; the producer warns when it sees another one alive.
import type { Coordination } from './coordination.ts';

export class LocalCoordination implements Coordination {
  readonly description = 'none (this instance takes every shard)';
  readonly #groups = new Map<string, string>();

  async join(group: string, member: string): Promise<void> {
    this.#groups.set(group, member);
  }

  async members(group: string): Promise<string[]> {
    const member = this.#groups.get(group);
    return member === undefined ? [] : [member];
  }

  async close(): Promise<void> {
    this.#groups.clear();
  }
}
