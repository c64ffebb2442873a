// Checks of request bodies as Designate's JSON schemas make them: a body is an object, unknown members are
// refused, and each member has its type and bounds. Failures are 400 invalid_object naming the field.
import { isProjectId } from '../storage/storage.ts';
import { Refuse } from './errors.ts';

export type Body = Record<string, unknown>;

export const MAX_TTL = 2147483647;

export function objectBody(body: unknown, allowed: readonly string[], what = 'body'): Body {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw Refuse.invalidObject(`The ${what} must be a JSON object`, what);
  const unexpected = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unexpected.length) {
    throw Refuse.invalidObject(`Additional properties are not allowed (${unexpected.map((k) => `'${k}'`).join(', ')} ${unexpected.length === 1 ? 'was' : 'were'} unexpected)`, unexpected[0]);
  }
  return body as Body;
}

export function requiredString(body: Body, field: string, max = 255): string {
  const v = body[field];
  if (v === undefined || v === null) throw Refuse.invalidObject(`'${field}' is a required property`, field);
  return checkString(v, field, max);
}

export function optionalString(body: Body, field: string, max = 255): string | null | undefined {
  const v = body[field];
  if (v === undefined || v === null) return v;
  return checkString(v, field, max);
}

/**
 * A project id given in a body (a transfer's or share's target): trimmed, 1 to 36 printable ASCII characters
 * without spaces, what a project column holds (Designate's are 36 wide; keystone's ids are 32 hex digits).
 */
export function projectIdOf(body: Body, field: string, required: boolean): string | null | undefined {
  const v = required ? requiredString(body, field) : optionalString(body, field);
  if (v === undefined || v === null) return v;
  const id = v.trim();
  if (!isProjectId(id)) throw Refuse.invalidObject(`${field} must be a project id: 1 to 36 printable characters without spaces`, field);
  return id;
}

function checkString(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string') throw Refuse.invalidObject(`${field} must be a string`, field);
  if (v.length > max) throw Refuse.invalidObject(`${field} is longer than ${max} characters`, field);
  return v;
}

/** A TTL: an integer 0..2^31-1; null when the input is null (inherit) and undefined when absent. */
export function optionalTtl(body: Body, field = 'ttl'): number | null | undefined {
  const v = body[field];
  if (v === undefined || v === null) return v;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_TTL) {
    // Designate's schema refuses it: invalid_object (invalid_ttl is for a TTL below [service:central] min_ttl).
    throw Refuse.invalidObject(`${field} must be an integer between 0 and ${MAX_TTL}`, field);
  }
  return v;
}

export function stringList(body: Body, field: string, max = 65535): string[] | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw Refuse.invalidObject(`${field} must be a list`, field);
  return v.map((item, i) => {
    if (typeof item !== 'string') throw Refuse.invalidObject(`${field}[${i}] must be a string`, `${field}[${i}]`);
    if (item.length > max) throw Refuse.invalidObject(`${field}[${i}] is longer than ${max} characters`, `${field}[${i}]`);
    return item;
  });
}

export function stringMap(body: Body, field: string): Record<string, string> | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw Refuse.invalidObject(`${field} must be an object`, field);
  for (const [k, item] of Object.entries(v)) {
    if (typeof item !== 'string') throw Refuse.invalidObject(`${field}.${k} must be a string`, `${field}.${k}`);
  }
  return v as Record<string, string>;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function checkEmail(email: string, field = 'email'): string {
  if (!EMAIL.test(email)) throw Refuse.invalidObject(`'${email}' is not an email address`, field);
  return email;
}
