/**
 * The stand-ins' side of the lab's control API (lab/control-api.ts): where the lab is
 * (CUTOVER_LAB_URL), one request with its body and answer checked by the shared schemas, and a
 * one-sentence error a person can act on when the lab is not there or says no.
 */
import * as z from 'zod';
import { controlError, LAB_URL_ENV } from '../control-api.js';

export class LabError extends Error {
  override readonly name: string = 'LabError';
}

/** The control API did not answer at all: every stand-in stops, as a tool whose transport is gone. */
export class LabUnreachable extends LabError {
  override readonly name = 'LabUnreachable';
}

/** The control API answered with an error (4xx/5xx and lab/control-api.ts's controlError body). */
export class LabRefused extends LabError {
  override readonly name = 'LabRefused';
}

/** The control API did not answer within the request's time (cumin's -t, kubectl's --timeout). */
export class LabTimeout extends LabError {
  override readonly name = 'LabTimeout';
}

export function labUrl(env: NodeJS.ProcessEnv = process.env): URL {
  const raw = env[LAB_URL_ENV];
  if (raw === undefined || raw === '') throw new LabError(`${LAB_URL_ENV} is not set: start the lab (npm run lab) and use the bin directory it prints, or export ${LAB_URL_ENV}=http://127.0.0.1:<port>.`);
  try {
    return new URL(raw);
  } catch {
    throw new LabError(`${LAB_URL_ENV}=${JSON.stringify(raw)} is not a URL.`);
  }
}

/** GET (no body) or POST (body) one control route; the answer must match `schema`. */
export async function labRequest<T>(route: string, schema: z.ZodType<T>, body?: unknown, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<T> {
  const url = new URL(route.replace(/^\//, ''), `${labUrl(options.env).href.replace(/\/?$/, '/')}`);
  const method = body === undefined ? 'GET' : 'POST';
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') throw new LabTimeout(`the lab did not answer ${method} ${url.pathname} within ${options.timeoutMs ?? 120_000} ms`);
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    throw new LabUnreachable(`cannot reach the lab's control API at ${url.origin} (${cause}); is the lab running?`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LabError(`the lab answered ${method} ${url.pathname} with HTTP ${response.status} and no JSON: ${text.slice(0, 120)}`);
  }
  if (!response.ok) {
    const error = controlError.safeParse(json);
    throw new LabRefused(`the lab refused ${method} ${url.pathname} (HTTP ${response.status}): ${error.success ? error.data.error : text.slice(0, 200)}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new LabError(`the lab's answer to ${method} ${url.pathname} does not match lab/control-api.ts: ${z.prettifyError(parsed.error).slice(0, 300)}`);
  return parsed.data;
}

/**
 * Runs a stand-in's main: a LabError (or anything else thrown) becomes one line on stderr
 * prefixed with the tool's name and `exitCode`, as a real tool reports a failure it cannot get past.
 */
export function runStandIn(tool: string, main: () => Promise<number>, failureExitCode = 1): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${tool}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = failureExitCode;
    },
  );
}
