// Central's refusals, with the HTTP status and error type Designate gives each (designate/exceptions.py), so
// the API can pass them through unchanged and any other caller still learns which rule said no. `field`
// names the input field at fault when there is one.
import { NotFoundError } from '../storage/storage.ts';

export class CentralError extends Error {
  override name = 'CentralError';
  readonly status: number;
  readonly type: string;
  readonly field: string | undefined;

  constructor(status: number, type: string, message: string, field?: string) {
    super(message);
    this.status = status;
    this.type = type;
    this.field = field;
  }
}

const fail = (status: number, type: string) => (message: string, field?: string) => new CentralError(status, type, message, field);

export const Refuse = {
  invalidObject: fail(400, 'invalid_object'),
  invalidZoneName: fail(400, 'invalid_zone_name'),
  invalidRecordsetName: fail(400, 'invalid_recordset_name'),
  invalidRecordsetLocation: fail(400, 'invalid_recordset_location'),
  invalidTtl: fail(400, 'invalid_ttl'),
  badRequest: fail(400, 'bad_request'),
  zoneHasSubZone: fail(400, 'zone_has_sub_zone'),
  zoneIsShared: fail(400, 'zone_is_shared'),
  invalidTransferRequest: fail(400, 'invalid_zone_transfer_request'),
  invalidMarker: fail(400, 'invalid_marker'),
  forbidden: fail(403, 'forbidden'),
  illegalChild: fail(403, 'illegal_child'),
  illegalParent: fail(403, 'illegal_parent'),
  invalidKey: fail(403, 'invalid_key'),
  notFound: (resource: string, type = `${resource.toLowerCase().replace(/ /g, '_')}_not_found`) =>
    new CentralError(404, type, `Could not find ${resource}`),
  duplicate: (resource: string, field?: string) =>
    new CentralError(409, `duplicate_${resource.toLowerCase().replace(/ /g, '_')}`, `Duplicate ${resource}`, field),
  overQuota: (resource: string) => new CentralError(413, 'over_quota', `Quota exceeded for ${resource}.`),
  noServersConfigured: () => new CentralError(500, 'no_servers_configured', 'No nameservers are configured for the pool'),
};

/** A list marker that names no row of the listed resource: Designate's 400 invalid_marker. */
export function markerNotFound(err: unknown): never {
  if (err instanceof NotFoundError && err.resource === 'marker') throw Refuse.invalidMarker('Marker not found');
  throw err;
}
