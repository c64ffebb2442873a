// Zone ownership transfers: /v2/zones/{zone_id}/tasks/transfer_requests, /v2/zones/tasks/transfer_requests
// and /v2/zones/tasks/transfer_accepts.
import type { CentralApi } from '../../central/rpcapi.ts';
import type { ApiServer } from '../server.ts';
import { fields, toListQuery } from './list.ts';
import { transferAcceptView, transferRequestView } from './views.ts';

const REQUEST_FIELDS = fields({ status: 'status' });
const ACCEPT_FIELDS = fields({ status: 'status' });
const LIST = { filters: ['status'], sortKeys: ['created_at', 'id', 'updated_at', 'status'] };

export function registerTransfers(api: ApiServer, central: CentralApi): void {
  const { transfers } = central;
  api.route('POST', '/v2/zones/:zone_id/tasks/transfer_requests', async (req) => ({
    status: 201, body: transferRequestView(req.baseUrl, await transfers.createRequest(req.context, req.params.zone_id, req.body)),
  }), { uuidParams: ['zone_id'] });
  api.route('GET', '/v2/zones/tasks/transfer_requests', async (req) => {
    const params = req.listParams(LIST);
    const { items, total } = await transfers.listRequests(req.context, toListQuery(params, REQUEST_FIELDS));
    return req.listResponse('transfer_requests', items.map((d) => transferRequestView(req.baseUrl, d)), params, total);
  });
  const REQUEST_ID = { uuidParams: ['request_id'] };
  api.route('GET', '/v2/zones/tasks/transfer_requests/:request_id', async (req) => ({
    body: transferRequestView(req.baseUrl, await transfers.getRequest(req.context, req.params.request_id)),
  }), REQUEST_ID);
  api.route('PATCH', '/v2/zones/tasks/transfer_requests/:request_id', async (req) => ({
    body: transferRequestView(req.baseUrl, await transfers.updateRequest(req.context, req.params.request_id, req.body)),
  }), REQUEST_ID);
  api.route('DELETE', '/v2/zones/tasks/transfer_requests/:request_id', async (req) => {
    await transfers.deleteRequest(req.context, req.params.request_id);
    return { status: 204 };
  }, REQUEST_ID);

  api.route('POST', '/v2/zones/tasks/transfer_accepts', async (req) => ({
    status: 201, body: transferAcceptView(req.baseUrl, await transfers.accept(req.context, req.body)),
  }));
  api.route('GET', '/v2/zones/tasks/transfer_accepts', async (req) => {
    const params = req.listParams(LIST);
    const { items, total } = await transfers.listAccepts(req.context, toListQuery(params, ACCEPT_FIELDS));
    return req.listResponse('transfer_accepts', items.map((d) => transferAcceptView(req.baseUrl, d)), params, total);
  });
  api.route('GET', '/v2/zones/tasks/transfer_accepts/:accept_id', async (req) => ({
    body: transferAcceptView(req.baseUrl, await transfers.getAccept(req.context, req.params.accept_id)),
  }), { uuidParams: ['accept_id'] });
}
