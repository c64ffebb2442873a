// Designate's error envelope: {"code", "type", "message", "request_id"} (FaultWrapperMiddleware).
// Handlers throw ApiError; anything else becomes a logged 500 with type "unknown".

export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;

  constructor(status: number, type: string, message: string, options: { headers?: Record<string, string>; extra?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
    this.headers = options.headers ?? {};
    // Extra members of the body, e.g. `errors` for invalid_object validation details.
    this.extra = options.extra ?? {};
  }

  toBody(requestId: string): Record<string, unknown> {
    return { code: this.status, type: this.type, message: this.message, ...this.extra, request_id: requestId };
  }
}

// Greppable factories for the types the framework itself raises; resource code may add its own.
export const Errors = {
  badRequest: (message: string) => new ApiError(400, 'bad_request', message),
  invalidObject: (message: string, errors?: unknown) =>
    new ApiError(400, 'invalid_object', message, errors === undefined ? {} : { extra: { errors } }),
  invalidUuid: (message: string) => new ApiError(400, 'invalid_uuid', message),
  invalidLimit: (message: string) => new ApiError(400, 'invalid_limit', message),
  invalidMarker: (message: string) => new ApiError(400, 'invalid_marker', message),
  invalidSortKey: (message: string) => new ApiError(400, 'invalid_sort_key', message),
  invalidSortDir: (message: string) => new ApiError(400, 'invalid_sort_dir', message),
  notAuthenticated: (message = 'Authentication required', headers?: Record<string, string>) =>
    new ApiError(401, 'not_authenticated', message, { headers }),
  missingProjectId: (message = 'A project ID must be provided.') => new ApiError(401, 'missing_project_id', message),
  forbidden: (message = 'Forbidden') => new ApiError(403, 'forbidden', message),
  notFound: (message = 'Not Found', type = 'not_found') => new ApiError(404, type, message),
  methodNotAllowed: (allow: string[]) =>
    new ApiError(405, 'method_not_allowed', 'Method Not Allowed', { headers: { allow: allow.join(', ') } }),
  notAcceptable: (offered: string) => new ApiError(406, 'not_acceptable', `Not Acceptable: this resource is served as ${offered} only`),
  conflict: (type: string, message: string) => new ApiError(409, type, message),
  overQuota: (message = 'Quota exceeded') => new ApiError(413, 'over_quota', message),
  requestTooLarge: (limit: number) => new ApiError(413, 'request_too_large', `Request body is larger than the limit of ${limit} bytes`),
  unsupportedContentType: (contentType: string | undefined) =>
    new ApiError(415, 'unsupported_content_type', `Unsupported Content-Type: ${contentType || '(none)'}; expected application/json`),
  unknown: () => new ApiError(500, 'unknown', 'An unknown exception occurred.'),
  serviceUnavailable: (message: string) => new ApiError(503, 'service_unavailable', message),
};
