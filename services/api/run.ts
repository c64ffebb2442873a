// Assembles the v2 API service from configuration, in front of a central.
import type { CentralApi } from '../central/rpcapi.ts';
import { withDeadline } from '../deadline.ts';
import { ConfigError, type Config, type ConfigValue } from '../config/options.ts';
import type { Logger } from '../log.ts';
import { parseEndpoint } from '../mdns/endpoint.ts';
import type { AuthOptions } from './auth.ts';
import { apiMetrics } from './metrics.ts';
import { createApiServer, type ApiServer } from './server.ts';
import { mapServiceError, registerV2 } from './v2/index.ts';

export interface ApiService {
  servers: ApiServer[];
  /** The bound ports, in the order of [service:api] listen. */
  ports: number[];
  close(): Promise<void>;
}

function authOf(config: Config): AuthOptions {
  const strategy = config.get<string>('service:api', 'auth_strategy');
  if (strategy === 'noauth') return { strategy };
  if (strategy !== 'keystone') throw new ConfigError(`[service:api] auth_strategy must be noauth or keystone, not '${strategy}'`);
  const url = config.get<string>('keystone_authtoken', 'www_authenticate_uri');
  if (url === '') throw new ConfigError('auth_strategy = keystone needs [keystone_authtoken] www_authenticate_uri');
  return { strategy, keystone: { url } };
}

/** Central checks its database within 2 s; a central that is itself stuck is caught here. */
const CENTRAL_HEALTH_MS = 2500;

/** The health check is nobody's request: no project, no role. */
const HEALTH_CALLER = { projectId: null, isAdmin: false, allProjects: false, editManagedRecords: false, hardDelete: false, deleteShares: false };

export async function startApi(config: Config, central: CentralApi, log: Logger): Promise<ApiService> {
  const opt = <T extends ConfigValue>(name: string) => config.get<T>('service:api', name);
  const servers: ApiServer[] = [];
  const ports: number[] = [];
  // One registry for the process: /metrics on any listen address shows every service this process runs.
  const metrics = opt<boolean>('enable_metrics') ? apiMetrics : undefined;
  try {
    for (const listen of opt<string[]>('listen')) {
      const endpoint = parseEndpoint(listen, 9001);
      const api = createApiServer({
        auth: authOf(config),
        links: {
          apiBaseUri: opt<string>('api_base_uri') || undefined,
          enableHostHeader: opt<boolean>('enable_host_header'),
          enableProxyHeadersParsing: config.get<boolean>('oslo_middleware', 'enable_proxy_headers_parsing'),
        },
        paging: { defaultLimit: opt<number>('default_limit_v2'), maxLimit: opt<number>('max_limit_v2') },
        maxBodyBytes: config.get<number>('oslo_middleware', 'max_request_body_size'),
        maintenanceMode: opt<boolean>('maintenance_mode'),
        maintenanceModeRole: opt<string>('maintenance_mode_role'),
        logger: log,
        mapError: mapServiceError,
        // Central and its database, through the bus when central runs elsewhere: a 503 takes this instance out.
        healthCheck: () => withDeadline(central.health.check(HEALTH_CALLER), CENTRAL_HEALTH_MS, () => new Error(`central or its database: no answer within ${CENTRAL_HEALTH_MS} ms`)),
        healthcheckDisableFile: config.get<string>('healthcheck', 'disable_by_file_path') || undefined,
        metrics,
      });
      registerV2(api, central);
      servers.push(api);
      const { port } = await api.listen(endpoint.host, endpoint.port);
      ports.push(port);
      log.info({ host: endpoint.host, port }, 'API listening');
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  return { servers, ports, close: async () => void (await Promise.all(servers.map((s) => s.close()))) };
}
