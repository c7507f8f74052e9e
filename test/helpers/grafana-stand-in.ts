import { FailingStandIn, type StandInRequest } from './http-stand-in.js';

/**
 * Grafana's POST /api/annotations: checks the bearer token and the JSON body's shape as Grafana's
 * API reads it, answers {message, id}. failNext(n) makes the next n calls answer 503.
 */
export class GrafanaStandIn extends FailingStandIn {
  readonly annotations: Record<string, unknown>[] = [];
  constructor(token: string) {
    super(token, { status: 503, json: { message: 'stand-in told to fail' } });
  }

  protected answer(request: StandInRequest): { status: number; json: unknown } {
    if (request.method !== 'POST' || request.path !== '/api/annotations') return { status: 404, json: { message: 'Not found' } };
    if (request.headers.authorization !== `Bearer ${this.token}`) return { status: 401, json: { message: 'invalid API key' } };
    if (request.headers['content-type'] !== 'application/json') return { status: 400, json: { message: 'bad request data' } };
    const body = JSON.parse(request.body) as Record<string, unknown>;
    const valid = typeof body['time'] === 'number' && typeof body['text'] === 'string' && Array.isArray(body['tags']) && body['tags'].every((tag) => typeof tag === 'string');
    if (!valid) return { status: 400, json: { message: 'bad request data' } };
    this.annotations.push(body);
    return { status: 200, json: { message: 'Annotation added', id: this.annotations.length } };
  }
}
