// The transport every service talks through, as oslo.messaging's RPC model: a service instance serves a
// topic (e.g. `central`) under its host name; others `call` it (request and reply, with a timeout), `cast`
// to it (one instance handles the message; it is kept until one has) or `fanout` to it (every live instance
// gets it). Two implementations: in-process (one process, `zonecast start`) and AMQP (RabbitMQ), so service
// code never knows which it runs on.

/** Where a message goes: any instance of `topic`, or the one named `server`. */
export interface Target {
  topic: string;
  server?: string;
}

/** The queue (and routing key) a target names: `<topic>`, or `<topic>.<server>` for one instance. */
export const targetQueue = (target: Target): string => (target.server === undefined ? target.topic : `${target.topic}.${target.server}`);

export type MessageKind = 'call' | 'cast' | 'fanout';

/**
 * Handles a message for a served topic. A call's reply is what it resolves to; a rejection goes back to the
 * caller as the error. For casts, a rejection is logged and the message retried once, on any instance, then
 * dead-lettered; `PoisonMessageError` dead-letters at once.
 */
export type Dispatch = (method: string, args: unknown, kind: MessageKind) => Promise<unknown>;

export interface Listener {
  /** Stops consuming; messages not taken stay queued for other instances. */
  close(): Promise<void>;
}

export interface Transport {
  /** `in-process` or `amqp`, for the start-up log line. */
  readonly kind: string;
  /** Where it connects (passwords left out), for logs. */
  readonly description: string;
  /** Resolves to the handler's reply; rejects with its error, or MessagingUnavailableError/MessagingTimeoutError. */
  call<R = unknown>(target: Target, method: string, args: unknown, timeoutMs?: number): Promise<R>;
  /** Resolves once the message is safely queued (broker confirmed); rejects when it cannot be. */
  cast(target: Target, method: string, args: unknown): Promise<void>;
  /** To every instance serving `topic` now; resolves once the broker took it. */
  fanout(topic: string, method: string, args: unknown): Promise<void>;
  /** Serves `topic` as instance `server`: calls and casts to the topic or to topic.server, and its fanouts. */
  serve(topic: string, server: string, dispatch: Dispatch): Promise<Listener>;
  /**
   * `listener` runs after every reconnection to the broker, when messages may have been missed meanwhile
   * (fanouts to this instance are not kept while it is away). Returns the function that removes it.
   */
  onReconnect(listener: () => void): () => void;
  /** Resolves once connected to the broker; rejects after `timeoutMs` without one. */
  ready(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** No instance can take the message now: the broker is unreachable, or nobody serves the topic. */
export class MessagingUnavailableError extends Error {
  override name = 'MessagingUnavailableError';
}

/** A call got no reply in time: the instance that took it may have died, or is stuck. */
export class MessagingTimeoutError extends MessagingUnavailableError {
  override name = 'MessagingTimeoutError';
}

/** A message no instance will ever handle (unknown method, unreadable payload): dead-lettered, not retried. */
export class PoisonMessageError extends Error {
  override name = 'PoisonMessageError';
}

/** An error from the other side that the caller has no class for (a bug there): it keeps the remote name. */
export class RemoteError extends Error {
  override name = 'RemoteError';
  readonly remoteName: string;
  constructor(remoteName: string, message: string) {
    super(message);
    this.remoteName = remoteName;
  }
}

/** Defaults as oslo.messaging's: `[DEFAULT] rpc_response_timeout`. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
