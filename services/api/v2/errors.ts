// Central's refusals and storage's failures as Designate's error bodies.
import { CentralError } from '../../central/errors.ts';
import { MessagingUnavailableError } from '../../messaging/transport.ts';
import { ConflictError, DuplicateError, NotFoundError, UnavailableError } from '../../storage/storage.ts';
import { ApiError } from '../errors.ts';

export function mapServiceError(err: unknown): ApiError | null {
  if (err instanceof CentralError) return new ApiError(err.status, err.type, err.message);
  if (err instanceof DuplicateError) return new ApiError(409, `duplicate_${err.table.replace(/s$/, '')}`, `Duplicate ${err.table.replace(/s$/, '')} (${err.field})`);
  if (err instanceof NotFoundError) return new ApiError(404, `${err.resource.replace(/ /g, '_')}_not_found`, `Could not find ${err.resource}`);
  // Two writers raced on one row and the retry budget ran out: the client may simply try again.
  if (err instanceof ConflictError) return new ApiError(409, 'conflict', `${err.message}; retry the request`);
  // No central answered (none running, the broker away, or the call timed out): nothing says the write
  // happened, and the client may retry.
  if (err instanceof MessagingUnavailableError) return new ApiError(503, 'service_unavailable', `Central is unavailable: ${err.message}; retry later`, { headers: { 'retry-after': '5' } });
  if (err instanceof UnavailableError) return new ApiError(503, 'service_unavailable', 'The database is busy or unreachable; retry later', { headers: { 'retry-after': '5' } });
  return null;
}
