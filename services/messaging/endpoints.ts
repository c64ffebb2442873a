// The methods one process serves, per topic: central's RPC methods and the notifications central and mdns
// listen to share one served topic each, as an oslo.messaging RPC server's endpoints do. Methods added in one
// turn are all in place before the topic starts consuming, so no message finds its method missing.
import type { Logger } from '../log.ts';
import { PoisonMessageError, type Listener, type MessageKind, type Transport } from './transport.ts';

export type MethodHandler = (args: unknown, kind: MessageKind) => unknown;

export class Endpoints {
  readonly transport: Transport;
  /** This instance's name: `[DEFAULT] host`. */
  readonly host: string;
  readonly #log: Logger;
  readonly #methods = new Map<string, Map<string, Set<MethodHandler>>>();
  readonly #serving = new Map<string, Promise<Listener | null>>();
  #closed = false;

  constructor(transport: Transport, host: string, log: Logger) {
    this.transport = transport;
    this.host = host;
    this.#log = log;
  }

  /**
   * Serves `method` on `topic`; returns the function that removes it. Several handlers of one method all
   * run (a notification several parts of a process follow); a call must have exactly one.
   */
  add(topic: string, method: string, handler: MethodHandler): () => void {
    let methods = this.#methods.get(topic);
    if (methods === undefined) this.#methods.set(topic, (methods = new Map()));
    let handlers = methods.get(method);
    if (handlers === undefined) methods.set(method, (handlers = new Set()));
    handlers.add(handler);
    if (!this.#serving.has(topic)) this.#serving.set(topic, this.#serve(topic));
    return () => handlers.delete(handler);
  }

  /** Resolves once every topic added so far is being consumed. */
  async ready(): Promise<void> {
    await Promise.all(this.#serving.values());
  }

  async close(): Promise<void> {
    this.#closed = true;
    const listeners = await Promise.all(this.#serving.values());
    await Promise.all(listeners.map((l) => l?.close()));
    this.#serving.clear();
  }

  async #serve(topic: string): Promise<Listener | null> {
    await Promise.resolve(); // the rest of this turn's add() calls land first
    if (this.#closed) return null;
    return this.transport.serve(topic, this.host, async (method, args, kind) => {
      const handlers = this.#methods.get(topic)?.get(method);
      if (handlers === undefined || handlers.size === 0) throw new PoisonMessageError(`${topic} has no method '${method}'`);
      if (kind === 'call') {
        if (handlers.size !== 1) throw new Error(`${topic}.${method} has ${handlers.size} handlers; a call needs one`);
        return [...handlers][0](args, kind);
      }
      const results = await Promise.allSettled([...handlers].map(async (h) => h(args, kind)));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      return undefined;
    }).catch((err: Error) => {
      this.#log.error({ topic, err: err.message }, 'cannot serve topic');
      throw err;
    });
  }
}
