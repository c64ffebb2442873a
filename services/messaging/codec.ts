// The message format on the wire: UTF-8 JSON, with the two types JSON lacks tagged so they come back as
// themselves — a Date as {"$date": "<ISO 8601>"}, bytes (Buffer, Uint8Array) as {"$bytes": "<base64>"}.
// A request body is {"method": "zones.create", "args": [...]}; a reply is {"result": ...} or
// {"error": {"name", "message", "fields"}}. Errors are rebuilt as their own classes on the caller's side when
// registered (registerRemoteError), so a refusal raised in central is the same refusal in the API.
import { RemoteError } from './transport.ts';

export interface Request {
  method: string;
  args: unknown;
}

export interface Reply {
  result?: unknown;
  error?: { name: string; message: string; fields: Record<string, unknown> };
}

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (raw instanceof Date) return { $date: Number.isNaN(raw.getTime()) ? null : raw.toISOString() };
  if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const o = value as Record<string, unknown>;
  if ('$date' in o && Object.keys(o).length === 1) return o.$date === null ? new Date(NaN) : new Date(o.$date as string);
  if ('$bytes' in o && Object.keys(o).length === 1 && typeof o.$bytes === 'string') return Buffer.from(o.$bytes, 'base64');
  return value;
}

export function encode(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, replacer) ?? 'null');
}

/** Throws SyntaxError on bytes that are not such JSON. */
export function decode<T>(bytes: Buffer | Uint8Array): T {
  return JSON.parse(Buffer.from(bytes).toString('utf8'), reviver) as T;
}

/** Rebuilds an error of a registered class from its name, message and own fields. */
type ErrorFactory = (message: string, fields: Record<string, unknown>) => Error;
const remoteErrors = new Map<string, ErrorFactory>();

/**
 * Makes errors named `name` cross the bus as themselves. Registered by the module that owns the error's
 * meaning (central's RPC API registers its refusals and storage's errors), never by the messaging layer.
 */
export function registerRemoteError(name: string, factory: ErrorFactory): void {
  remoteErrors.set(name, factory);
}

export function errorReply(err: unknown): Reply {
  if (!(err instanceof Error)) return { error: { name: 'Error', message: String(err), fields: {} } };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) if (k !== 'name' && k !== 'message' && k !== 'stack') fields[k] = v;
  return { error: { name: err.name, message: err.message, fields } };
}

export function errorFromReply(error: NonNullable<Reply['error']>): Error {
  const factory = remoteErrors.get(error.name);
  if (factory) return factory(error.message, error.fields ?? {});
  return new RemoteError(error.name, error.message);
}
