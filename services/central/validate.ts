// Designate's input rules for zone and recordset names and record data (designate.md §4.2), checked with the
// engine's own name and rdata parsers, so that what the API accepts is exactly what mdns can serve. Errors
// name the field, as the API's 400 bodies must.
import { Type, typeFromText, typeToText } from '../../engine/codec/constants.ts';
import { isSubdomain, labelCount, nameFromText, NameError } from '../../engine/codec/name.ts';
import { RdataError, rdataFromString } from '../../engine/codec/rdata/text.ts';

export class ValidationError extends Error {
  override name = 'ValidationError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** A name with characters Designate's schema refuses: its invalid_object, where other name rules have types of their own. */
export class NameCharactersError extends ValidationError {
  override name = 'NameCharactersError';
}

/** A well-formed zone name that central's own rules refuse (Designate's InvalidZoneName, not the schema's InvalidObject). */
export class ZoneNameRuleError extends ValidationError {
  override name = 'ZoneNameRuleError';
}

/** Designate's default `supported_record_type`. */
export const SUPPORTED_RECORD_TYPES: readonly string[] = [
  'A', 'AAAA', 'CNAME', 'MX', 'SRV', 'TXT', 'SPF', 'NS', 'PTR', 'SSHFP', 'SOA', 'NAPTR', 'CAA', 'CERT', 'HTTPS', 'SVCB', 'TLSA',
];

/** A fully qualified name: trailing dot, valid labels, at most 255 bytes. Returns its wire form. */
export function fqdn(field: string, name: unknown): Uint8Array {
  if (typeof name !== 'string' || name === '') throw new ValidationError(field, 'must be a non-empty string');
  if (!name.endsWith('.')) throw new ValidationError(field, `'${name}' is not fully qualified (it must end with a dot)`);
  try {
    return nameFromText(name);
  } catch (err) {
    if (err instanceof NameError) throw new ValidationError(field, `'${name}': ${err.message}`);
    throw err;
  }
}

/** A label as Designate's RE_ZONENAME and RE_HOSTNAME take it: letters, digits, `_` and `-`, not at either end. */
const LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

/**
 * Designate's characters: every label letters, digits, `_` and `-` (no escapes, spaces or control
 * characters); with `wildcard`, the first label may be `*` alone.
 */
function checkLabels(field: string, name: string, wildcard: boolean): void {
  const labels = name.slice(0, -1).split('.');
  labels.forEach((label, i) => {
    if (LABEL.test(label) || (wildcard && i === 0 && label === '*')) return;
    const shown = JSON.stringify(label);
    throw new NameCharactersError(field, `'${name}': label ${shown} may hold only letters, digits, '_' and '-' (not first or last)${wildcard ? ", or be a leading '*'" : ''}`);
  });
}

/** A zone name: fully qualified, with at least two labels (Designate refuses zones such as `com.`). */
export function validateZoneName(name: unknown, field = 'name'): Uint8Array {
  const wire = fqdn(field, name);
  checkLabels(field, name as string, false);
  if (labelCount(wire, 0) < 2) throw new ZoneNameRuleError(field, `'${name}' must have at least two labels`);
  return wire;
}

/** A recordset name: fully qualified and at or below the zone's apex. */
export function validateRecordsetName(name: unknown, zone: Uint8Array, field = 'name'): Uint8Array {
  const wire = fqdn(field, name);
  checkLabels(field, name as string, true);
  if (!isSubdomain(wire, 0, zone, 0)) throw new ValidationError(field, `'${name}' is not in the zone`);
  return wire;
}

/** A record type among the supported ones; returns its number. */
export function validateType(type: unknown, supported: readonly string[] = SUPPORTED_RECORD_TYPES, field = 'type'): number {
  if (typeof type !== 'string' || !supported.includes(type.toUpperCase())) {
    throw new ValidationError(field, `'${String(type)}' is not a supported record type (${supported.join(', ')})`);
  }
  return typeFromText(type);
}

const ORIGIN_A = nameFromText('origin-a.invalid.');
const ORIGIN_B = nameFromText('origin-b.invalid.');

/**
 * Record data in presentation form, parsed as mdns will parse it. Names inside must be fully qualified, as
 * Designate requires: the data is parsed against two different origins, and any relative name shows up as
 * a difference between the two.
 */
export function validateRecordData(type: number, data: unknown, field = 'records'): void {
  if (typeof data !== 'string' || data.trim() === '') throw new ValidationError(field, 'must be a non-empty string');
  // A raw newline would end the line in a master file (Designate's 2026 AXFR fix, bug 2162105).
  if (/[\r\n]/.test(data)) throw new ValidationError(field, 'must not contain a line break');
  // Designate's TxtField: a trailing backslash (escaped or not) would escape whatever a master file puts after it.
  if ((type === Type.TXT || type === Type.SPF) && data.endsWith('\\')) throw new ValidationError(field, `${typeToText(type)} data must not end with '\\'`);
  let a: Uint8Array;
  try {
    a = rdataFromString(type, data, ORIGIN_A);
  } catch (err) {
    if (err instanceof RdataError || err instanceof NameError) throw new ValidationError(field, `${typeToText(type)} '${data}': ${err.message}`);
    throw err;
  }
  const b = rdataFromString(type, data, ORIGIN_B);
  if (a.length !== b.length || a.some((byte, i) => byte !== b[i])) {
    throw new ValidationError(field, `${typeToText(type)} '${data}': names must be fully qualified (end with a dot)`);
  }
  if (type === Type.SOA) throw new ValidationError(field, 'SOA records are managed by zonecast');
}
