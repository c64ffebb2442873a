// A small HTTP client for the API tests (node:http so Host and other forbidden fetch headers can be set).
import { request, type IncomingHttpHeaders } from 'node:http';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

export function call(
  port: number,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const json = (body: unknown, headers: Record<string, string> = {}) => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export const REQ_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A fake Keystone: GET /v3/auth/tokens validates X-Subject-Token against a table, counting calls. */
export interface FakeKeystone {
  url: string;
  calls: { subject: string | undefined; auth: string | undefined }[];
  close(): Promise<void>;
}

export async function startFakeKeystone(tokens: Record<string, { project?: string; user: string; roles: string[]; expiresInMs?: number }>): Promise<FakeKeystone> {
  const calls: FakeKeystone['calls'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const subject = req.headers['x-subject-token'] as string | undefined;
    calls.push({ subject, auth: req.headers['x-auth-token'] as string | undefined });
    if (req.method !== 'GET' || req.url !== '/v3/auth/tokens') {
      res.writeHead(404).end();
      return;
    }
    const t = subject ? tokens[subject] : undefined;
    if (!t) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 404, title: 'Not Found' } }));
      return;
    }
    const body = {
      token: {
        expires_at: new Date(Date.now() + (t.expiresInMs ?? 3_600_000)).toISOString(),
        user: { id: t.user, name: t.user, domain: { id: 'default' } },
        ...(t.project ? { project: { id: t.project, name: t.project, domain: { id: 'default' } } } : {}),
        roles: t.roles.map((name, i) => ({ id: `r${i}`, name })),
      },
    };
    res.writeHead(200, { 'content-type': 'application/json', 'x-subject-token': subject! }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
