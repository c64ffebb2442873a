// Zone imports (/v2/zones/tasks/imports) and exports (/v2/zones/{zone_id}/tasks/export, /v2/zones/tasks/exports).
import type { CentralApi } from '../../central/rpcapi.ts';
import { Imports, type ImportSource } from '../../central/imports.ts';
import { Errors, type ApiRequest, type ApiServer } from '../server.ts';
import { fields, toListQuery } from './list.ts';
import { zoneExportView, zoneImportView } from './views.ts';

const TASK_FIELDS = fields({ status: 'status', message: 'message', zone_id: 'zoneId' });
const LIST = { filters: ['status', 'message', 'zone_id'], sortKeys: ['created_at', 'id', 'updated_at', 'status'] };
const TASK_ID = { uuidParams: ['task_id'] };

/** A master file as text/dns, or (API 2.4) JSON {"zonefile": "...", "attributes": {...}}. */
function importSource(req: ApiRequest): ImportSource {
  if (req.mediaType === 'application/json') return Imports.sourceFromJson(req.body);
  if (req.mediaType === 'text/dns') return { zonefile: req.rawBody?.toString('utf8') ?? '' };
  throw Errors.unsupportedContentType(req.headers['content-type']);
}

/** Whether an Accept header (RFC 9110 §12.5.1) admits `media`: absent, or a range matching it without q=0. */
function acceptsMedia(accept: string | undefined, media: string): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  const [type] = media.split('/');
  return accept.split(',').some((part) => {
    const [range, ...params] = part.trim().toLowerCase().split(';').map((p) => p.trim());
    if (params.some((p) => /^q=0(\.0*)?$/.test(p))) return false;
    return range === media || range === `${type}/*` || range === '*/*';
  });
}

export function registerZoneTasks(api: ApiServer, central: CentralApi): void {
  const { imports, exports } = central;
  api.route('POST', '/v2/zones/tasks/imports', async (req) => ({
    status: 202, body: zoneImportView(req.baseUrl, await imports.create(req.context, importSource(req))),
  }), { bodyTypes: ['text/dns', 'application/json'] });
  api.route('GET', '/v2/zones/tasks/imports', async (req) => {
    const params = req.listParams(LIST);
    const { items, total } = await imports.list(req.context, toListQuery(params, TASK_FIELDS));
    return req.listResponse('imports', items.map((t) => zoneImportView(req.baseUrl, t)), params, total);
  });
  api.route('GET', '/v2/zones/tasks/imports/:task_id', async (req) => ({
    body: zoneImportView(req.baseUrl, await imports.get(req.context, req.params.task_id)),
  }), TASK_ID);
  api.route('DELETE', '/v2/zones/tasks/imports/:task_id', async (req) => {
    await imports.delete(req.context, req.params.task_id);
    return { status: 204 };
  }, TASK_ID);

  api.route('POST', '/v2/zones/:zone_id/tasks/export', async (req) => ({
    status: 202, body: zoneExportView(req.baseUrl, await exports.create(req.context, req.params.zone_id)),
  }), { uuidParams: ['zone_id'] });
  api.route('GET', '/v2/zones/tasks/exports', async (req) => {
    const params = req.listParams(LIST);
    const { items, total } = await exports.list(req.context, toListQuery(params, TASK_FIELDS));
    return req.listResponse('exports', items.map((t) => zoneExportView(req.baseUrl, t)), params, total);
  });
  api.route('GET', '/v2/zones/tasks/exports/:task_id', async (req) => ({
    body: zoneExportView(req.baseUrl, await exports.get(req.context, req.params.task_id)),
  }), TASK_ID);
  api.route('DELETE', '/v2/zones/tasks/exports/:task_id', async (req) => {
    await exports.delete(req.context, req.params.task_id);
    return { status: 204 };
  }, TASK_ID);
  api.route('GET', '/v2/zones/tasks/exports/:task_id/export', async (req) => {
    // As Designate's pecan route: text/dns to a client that takes it (no Accept, */*, text/*), else 406.
    if (!acceptsMedia(req.headers.accept, 'text/dns')) throw Errors.notAcceptable('text/dns');
    return { body: await exports.render(req.context, req.params.task_id), headers: { 'content-type': 'text/dns; charset=UTF-8' } };
  }, TASK_ID);
}
