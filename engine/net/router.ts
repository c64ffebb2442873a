// Where one request is answered. A server with one set of zones answers every request with one handler; a
// server whose answer depends on something outside the request (designate-mdns: which pool a TSIG key may
// see, and whether Designate's database still holds the version compiled) chooses per request, and may have
// to wait before it can say. The listeners take a Router for that; without one they answer synchronously.
import type { QueryHandler } from '../answer/handler.ts';
import type { TransferRequests } from '../xfr/service.ts';

/** What answers a request: a QueryHandler, or anything answering as one does (a fixed refusal, say). */
export type RequestHandler = Pick<QueryHandler, 'handle'>;

export interface Route {
  readonly handler: RequestHandler;
  /** Answers AXFR/IXFR (TCP only); without it transfer requests get the handler's NOTIMP. */
  readonly transfers?: TransferRequests;
}

/**
 * The route for `msg` from `peer`: at once, or once something has been checked (the request waits, the
 * listener goes on with others). Null drops the request unanswered.
 */
export type Router = (msg: Uint8Array, peer: string, tcp: boolean) => Route | Promise<Route | null> | null;
