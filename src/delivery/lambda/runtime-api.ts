/**
 * The Lambda Runtime API, version 2018-06-01 (AWS Lambda Developer Guide, Using the Lambda runtime API
 * for custom runtimes), for one execution
 * environment: the runtime long-polls `GET /runtime/invocation/next`, answers with
 * `POST /runtime/invocation/{id}/response` or `/error`, or reports `POST /runtime/init/error`.
 * `invoke(event)` queues an event and resolves with what the runtime reported.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../../errors.js';
import { listen, type RunningServer } from '../../http/server.js';
import type { ApiHandler, ApiRequest, ApiResponse } from '../../http/types.js';

const BASE = '/2018-06-01/runtime';
/** Lambda's synchronous response payload limit. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export type InvocationOutcome =
  | { kind: 'response'; payload: Buffer }
  | { kind: 'error'; payload: Buffer; errorType?: string }
  | { kind: 'init-error'; payload: Buffer; errorType?: string };

export interface InvocationHeaders {
  functionArn: string;
  /** Epoch milliseconds. */
  deadlineMs: number;
  requestId?: string;
  traceId?: string;
}

interface Pending {
  requestId: string;
  event: Buffer;
  headers: Record<string, string>;
  settle: (outcome: InvocationOutcome) => void;
  promise: Promise<InvocationOutcome>;
}

function json(status: number, document: unknown): ApiResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(document) };
}

function accepted(): ApiResponse {
  return json(202, { status: 'OK' });
}

function errorBody(status: number, errorType: string, errorMessage: string): ApiResponse {
  return json(status, { errorType, errorMessage });
}

/** An X-Ray trace header as Lambda passes it (`Root=1-<8 hex time>-<24 hex>;Parent=…;Sampled=0`). */
export function newTraceId(now = Date.now()): string {
  const time = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${time}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

export class RuntimeApi {
  private readonly queue: Pending[] = [];
  private readonly waiting: ((p: Pending) => void)[] = [];
  private readonly inFlight = new Map<string, Pending>();
  private initError: InvocationOutcome | undefined;
  private server: RunningServer | undefined;
  private initEnded: ((at: number) => void) | undefined;
  /**
   * When the runtime finished initialising: its first `GET /invocation/next` or its
   * `/init/error` (epoch ms). Lambda's `Init Duration` ends here.
   */
  readonly initialized: Promise<number> = new Promise((resolve) => (this.initEnded = resolve));

  /** The Runtime API as an in-process handler. */
  readonly handler: ApiHandler = (request) => this.route(request);

  /**
   * Serve on 127.0.0.1 (any free port); `address` is then `AWS_LAMBDA_RUNTIME_API`.
   *
   * @example
   * const api = await new RuntimeApi().listen();
   * env.AWS_LAMBDA_RUNTIME_API = api.address;
   */
  async listen(): Promise<this> {
    this.server = await listen({ handler: this.handler, maxBodyBytes: MAX_PAYLOAD_BYTES }, 0);
    return this;
  }

  get address(): string {
    if (this.server === undefined) throw new Error('RuntimeApi is not listening');
    return `${this.server.host}:${this.server.port}`;
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  /**
   * Queue `event` for the runtime; resolves with the runtime's response, error or init error.
   *
   * @example
   * const outcome = await api.invoke(Buffer.from('{}'), { functionArn, deadlineMs: Date.now() + 3000 });
   */
  invoke(
    event: Buffer,
    headers: InvocationHeaders,
  ): { requestId: string; outcome: Promise<InvocationOutcome> } {
    const requestId = headers.requestId ?? randomUUID();
    if (this.initError !== undefined) return { requestId, outcome: Promise.resolve(this.initError) };
    let settle!: (o: InvocationOutcome) => void;
    const promise = new Promise<InvocationOutcome>((resolve) => (settle = resolve));
    const pending: Pending = {
      requestId,
      event,
      headers: {
        'lambda-runtime-aws-request-id': requestId,
        'lambda-runtime-deadline-ms': String(headers.deadlineMs),
        'lambda-runtime-invoked-function-arn': headers.functionArn,
        'lambda-runtime-trace-id': headers.traceId ?? newTraceId(),
      },
      settle: (outcome) => {
        this.inFlight.delete(requestId);
        settle(outcome);
      },
      promise,
    };
    const waiter = this.waiting.shift();
    if (waiter === undefined) this.queue.push(pending);
    else waiter(pending);
    return { requestId, outcome: promise };
  }

  private async route(request: ApiRequest): Promise<ApiResponse> {
    const path = request.url.split('?', 1)[0] ?? '';
    if (!path.startsWith(`${BASE}/`)) return errorBody(404, 'NotFound', 'Not found');
    const rest = path.slice(BASE.length);
    if (rest === '/invocation/next') {
      if (request.method !== 'GET') return errorBody(405, 'MethodNotAllowed', 'Use GET');
      this.initEnded?.(Date.now());
      const next = await this.next();
      this.inFlight.set(next.requestId, next);
      return {
        status: 200,
        headers: { 'content-type': 'application/json', ...next.headers },
        body: next.event,
      };
    }
    const match = /^\/invocation\/([^/]+)\/(response|error)$/.exec(rest);
    if (rest !== '/init/error' && match === null) return errorBody(404, 'NotFound', 'Not found');
    if (request.method !== 'POST') return errorBody(405, 'MethodNotAllowed', 'Use POST');
    const errorType = headerOf(request, 'lambda-runtime-function-error-type');
    if (match === null) {
      this.initEnded?.(Date.now());
      this.initError = { kind: 'init-error', payload: request.body, ...(errorType ? { errorType } : {}) };
      for (const p of [...this.inFlight.values(), ...this.queue.splice(0)]) p.settle(this.initError);
      return accepted();
    }
    const pending = this.inFlight.get(decodeURIComponent(match[1]!));
    if (pending === undefined) return errorBody(400, 'InvalidRequestID', 'Invalid request ID');
    if (match[2] === 'response') pending.settle({ kind: 'response', payload: request.body });
    else pending.settle({ kind: 'error', payload: request.body, ...(errorType ? { errorType } : {}) });
    return accepted();
  }

  private next(): Promise<Pending> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

function headerOf(request: ApiRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.length <= 256 ? value : undefined;
}

/** `InvalidParameterValueException`: a function credplane cannot run (runtime, code source). */
export class InvalidParameterValueError extends AwsError {
  constructor(message: string) {
    super('InvalidParameterValueException', message, { status: 400 });
  }
}
