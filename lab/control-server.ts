import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as z from 'zod';
import {
  faultRequest,
  helmApplyRequest,
  helmApplyResponse,
  helmReleaseResponse,
  kubePodsResponse,
  puppetRunRequest,
  puppetRunResponse,
  pybalFreezeRequest,
  pybalRestartRequest,
  pybalRestartResponse,
} from './control-api.js';
import { LabError } from './lab-error.js';
import type { LabState } from './lab-state.js';
import { listenOn } from './servers/listen-on.js';

export interface ControlServer {
  /** http://127.0.0.1:<port>, what the stand-ins read from CUTOVER_LAB_URL. */
  readonly url: string;
  close(): Promise<void>;
}

const envQuery = z.strictObject({ env: helmApplyRequest.shape.env });
const MAX_BODY = 64 * 1024;

type Route = (body: unknown, query: Record<string, string>) => Promise<unknown>;

/**
 * The lab's control API (lab/control-api.ts) over HTTP + JSON on loopback. Every request body and
 * query is checked by the shared zod schemas (400 with `{error}`), every answer by the response
 * schema, so the stand-ins and the server cannot drift apart unnoticed.
 */
export async function startControlServer(state: LabState, options: { port?: number } = {}): Promise<ControlServer> {
  const routes: Record<string, Route> = {
    'POST /puppet/run': async (body) => {
      const { host } = parse(puppetRunRequest, body);
      return puppetRunResponse.parse({ host, changes: await state.runPuppet(host) });
    },
    'POST /pybal/restart': async (body) => {
      const { host } = parse(pybalRestartRequest, body);
      return pybalRestartResponse.parse({ host, pools: await state.restartPybal(host) });
    },
    'POST /pybal/freeze': async (body) => {
      const { host, frozen } = parse(pybalFreezeRequest, body);
      state.freezePybal(host, frozen);
      return { host, frozen };
    },
    'POST /helm/apply': async (body) => helmApplyResponse.parse(await state.applyHelm(parse(helmApplyRequest, body).env)),
    'GET /helm/release': async (_body, query) => helmReleaseResponse.parse(state.helmRelease(parse(envQuery, query).env)),
    'GET /kube/pods': async (_body, query) => {
      const { env } = parse(envQuery, query);
      return kubePodsResponse.parse({ env, pods: state.pods(env) });
    },
    'POST /faults': async (body) => {
      const { host, fault } = parse(faultRequest, body);
      state.setFault(host, fault);
      return { host, fault };
    },
  };

  const server = createServer((request, response) => {
    void handle(routes, request, response);
  });
  const listening = await listenOn(server, '127.0.0.1', options.port ?? 0, 'lab control server');
  return { url: `http://127.0.0.1:${listening.port}`, close: () => listening.close() };
}

async function handle(routes: Record<string, Route>, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://lab');
  const route = routes[`${request.method ?? 'GET'} ${url.pathname}`];
  try {
    if (route === undefined) {
      const known = Object.keys(routes).some((key) => key.endsWith(` ${url.pathname}`));
      throw known ? new MethodNotAllowed(`${request.method ?? '?'} is not allowed on ${url.pathname}`) : new LabError(404, `no route ${url.pathname}`);
    }
    const body = request.method === 'POST' ? await readJson(request) : undefined;
    send(response, 200, await route(body, Object.fromEntries(url.searchParams)));
  } catch (error) {
    if (error instanceof LabError) send(response, error.status, { error: error.message });
    else if (error instanceof MethodNotAllowed) send(response, 405, { error: error.message });
    else send(response, 500, { error: `the lab failed: ${error instanceof Error ? error.message : String(error)}` });
  }
}

class MethodNotAllowed extends Error {}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new LabError(400, `bad request: ${z.prettifyError(result.error).replaceAll('\n', '; ')}`);
  return result.data;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new LabError(400, `the request body is over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LabError(400, 'the request body is not JSON');
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
