// Central's RPC API (Designate's central/rpcapi.py): the methods other services call, one list that builds
// both the server side (each method on the `central` topic, named `<resource>.<method>`) and the client
// proxy the API holds when central runs elsewhere. The API codes against CentralApi and never knows which.
import type { Endpoints } from '../messaging/endpoints.ts';
import { HEARTBEAT_METHOD } from '../messaging/heartbeat.ts';
import { registerRemoteError } from '../messaging/codec.ts';
import { PoisonMessageError, type Transport } from '../messaging/transport.ts';
import { ConflictError, DuplicateError, NotFoundError, UnavailableError, type ServiceStatusInput } from '../storage/storage.ts';
import type { Central } from './central.ts';
import type { Caller } from './context.ts';
import { CentralError } from './errors.ts';

const CRUD = ['create', 'get', 'list', 'update', 'delete'] as const;

export const CENTRAL_RPC = {
  zones: ['create', 'get', 'list', 'update', 'delete', 'abandon', 'xfr', 'nameservers'],
  zoneBatches: ['incrementSerials', 'notifyDelayed'],
  recordsets: ['create', 'get', 'zoneOf', 'list', 'update', 'delete'],
  tlds: CRUD,
  blacklists: CRUD,
  tsigkeys: CRUD,
  pools: ['list', 'get', 'create', 'update', 'delete'],
  quotas: ['get', 'set', 'reset', 'limits'],
  serviceStatuses: ['list', 'get'],
  shares: ['create', 'list', 'get', 'delete'],
  transfers: ['createRequest', 'listRequests', 'getRequest', 'updateRequest', 'deleteRequest', 'accept', 'listAccepts', 'getAccept'],
  imports: ['create', 'get', 'list', 'delete'],
  exports: ['create', 'get', 'list', 'delete', 'render'],
  managedRecords: ['add', 'remove'],
  health: ['check'],
} as const satisfies { [R in keyof Central]?: readonly (keyof Central[R])[] };

type Resources = typeof CENTRAL_RPC;

/** What the API may ask of central: every method takes the caller first. */
export type CentralApi = { readonly [R in keyof Resources]: Pick<Central[R], Extract<Resources[R][number], keyof Central[R]>> };

/** Only what central acts on travels: no token, no roles list. */
function callerOf(context: Caller): Caller {
  const { projectId, isAdmin, allProjects, editManagedRecords, hardDelete, deleteShares } = context;
  return { projectId, isAdmin, allProjects, editManagedRecords, hardDelete, deleteShares };
}

/** Central's methods, and heartbeats, served on `topic` by this process. */
export function serveCentral(endpoints: Endpoints, central: Central, topic: string): () => void {
  const removers: (() => void)[] = [];
  for (const [resource, methods] of Object.entries(CENTRAL_RPC) as [keyof Resources, readonly string[]][]) {
    const target = central[resource] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const method of methods) {
      removers.push(endpoints.add(topic, `${resource}.${method}`, (args) => {
        if (!Array.isArray(args)) throw new PoisonMessageError(`${resource}.${method}: arguments are not a list`);
        return target[method](...args);
      }));
    }
  }
  removers.push(endpoints.add(topic, HEARTBEAT_METHOD, (args) => central.serviceStatuses.update(args as ServiceStatusInput)));
  return () => removers.forEach((r) => r());
}

/** A CentralApi whose every method is a call to whichever central instance takes it. */
export function centralClient(transport: Transport, topic: string, timeoutMs: number): CentralApi {
  const client: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const [resource, methods] of Object.entries(CENTRAL_RPC)) {
    client[resource] = {};
    for (const method of methods) {
      client[resource][method] = (caller, ...rest) =>
        transport.call({ topic }, `${resource}.${method}`, [callerOf(caller as Caller), ...rest], timeoutMs);
    }
  }
  return client as unknown as CentralApi;
}

// Central's refusals and storage's errors cross the bus as themselves, so the API maps them as it would
// in one process.
registerRemoteError('CentralError', (message, f) => new CentralError(f.status as number, f.type as string, message, f.field as string | undefined));
registerRemoteError('DuplicateError', (message, f) => new DuplicateError(f.table as string, f.field as string, message));
registerRemoteError('NotFoundError', (message, f) => new NotFoundError(f.resource as string, f.id as string | undefined, message));
registerRemoteError('ConflictError', (message, f) => Object.assign(new ConflictError(f.resource as string, f.id as string, 0), { message }));
registerRemoteError('UnavailableError', (message) => new UnavailableError(message));
