/**
 * credplane's Node.js runtime bootstrap: the program an execution environment runs (there is no
 * AWS base image here). It implements the Runtime API loop (AWS Lambda Developer Guide, Using the Lambda
 * runtime API for custom runtimes): load
 * the handler named by `_HANDLER` from `LAMBDA_TASK_ROOT` (report `/runtime/init/error` if that
 * fails), then forever `GET /invocation/next`, call the handler, `POST /response` or `/error`.
 *
 * Self-contained on purpose (node built-ins only): it runs in the function's process, beside the
 * function's own modules.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

type Handler = (
  event: unknown,
  context: LambdaContext,
  callback: (error?: unknown, result?: unknown) => void,
) => unknown;

interface LambdaContext {
  awsRequestId: string;
  invokedFunctionArn: string;
  functionName: string;
  functionVersion: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const api = process.env.AWS_LAMBDA_RUNTIME_API ?? '';
const [apiHost = '127.0.0.1', apiPort = '9001'] = api.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(
  method: string,
  route: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: apiHost,
        port: Number(apiPort),
        method,
        path: `/2018-06-01/runtime${route}`,
        agent,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function errorDocument(error: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: 'Error', errorMessage: String(error), trace: [] };
}

class RuntimeError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

async function loadHandler(): Promise<Handler> {
  const spec = process.env._HANDLER ?? '';
  const dot = spec.lastIndexOf('.');
  if (dot <= 0)
    throw new RuntimeError(
      'Runtime.MalformedHandlerName',
      `Bad handler ${spec}: missing module or function name`,
    );
  const moduleName = spec.slice(0, dot);
  const functionName = spec.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const file = ['.js', '.mjs', '.cjs']
    .map((ext) => path.resolve(root, moduleName + ext))
    .find((f) => fs.existsSync(f));
  if (file === undefined) {
    throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'`);
  }
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const doc = errorDocument(error);
    throw new RuntimeError('Runtime.ImportModuleError', `${doc.errorType}: ${doc.errorMessage}`);
  }
  const fromDefault = (loaded.default as Record<string, unknown> | undefined)?.[functionName];
  const handler = loaded[functionName] ?? fromDefault;
  if (typeof handler !== 'function') {
    throw new RuntimeError(
      'Runtime.HandlerNotFound',
      `${moduleName}.${functionName} is undefined or not exported`,
    );
  }
  return handler as Handler;
}

function runHandler(handler: Handler, event: unknown, context: LambdaContext): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let done = false;
    const callback = (error?: unknown, result?: unknown): void => {
      if (done) return;
      done = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    try {
      const returned = handler(event, context, callback);
      if (
        returned !== null &&
        typeof returned === 'object' &&
        typeof (returned as Promise<unknown>).then === 'function'
      ) {
        (returned as Promise<unknown>).then(
          (r) => callback(null, r),
          (e: unknown) => callback(e ?? new Error('Promise rejected')),
        );
      } else if (handler.length < 3) {
        callback(null, returned);
      }
    } catch (error) {
      callback(error);
    }
  });
}

async function main(): Promise<void> {
  let handler: Handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const doc = errorDocument(error);
    await call(
      'POST',
      '/init/error',
      JSON.stringify({ errorType: doc.errorType, errorMessage: doc.errorMessage, stackTrace: [] }),
      {
        'content-type': 'application/json',
        'lambda-runtime-function-error-type': doc.errorType,
      },
    );
    process.exit(1);
  }
  for (;;) {
    const next = await call('GET', '/invocation/next');
    const requestId = String(next.headers['lambda-runtime-aws-request-id'] ?? '');
    const deadline = Number(next.headers['lambda-runtime-deadline-ms'] ?? Date.now());
    const trace = next.headers['lambda-runtime-trace-id'];
    if (typeof trace === 'string') process.env._X_AMZN_TRACE_ID = trace;
    else delete process.env._X_AMZN_TRACE_ID;
    const context: LambdaContext = {
      awsRequestId: requestId,
      invokedFunctionArn: String(next.headers['lambda-runtime-invoked-function-arn'] ?? ''),
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? '',
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? '',
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? '',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    const route = `/invocation/${encodeURIComponent(requestId)}`;
    try {
      const event: unknown = next.body.length === 0 ? {} : JSON.parse(next.body.toString('utf8'));
      const result = await runHandler(handler, event, context);
      await call('POST', `${route}/response`, JSON.stringify(result ?? null), {
        'content-type': 'application/json',
      });
    } catch (error) {
      const doc = errorDocument(error);
      await call('POST', `${route}/error`, JSON.stringify(doc), {
        'content-type': 'application/json',
        'lambda-runtime-function-error-type': `Runtime.${doc.errorType === 'Error' ? 'UserCodeError' : doc.errorType}`,
      });
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`credplane bootstrap: ${errorDocument(error).errorMessage}\n`);
  process.exit(1);
});
