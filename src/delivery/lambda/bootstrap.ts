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
import { createRequire } from 'node:module';
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

/**
 * The error document the Runtime API receives, for handler and init errors alike
 * (`errorType`, `errorMessage`, `trace`), as the Node.js runtime interface client builds it: an
 * error's name, message and stack lines; anything else thrown is named by its `typeof`.
 */
function errorDocument(error: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

/** The runtime's own failures, named `Runtime.<Kind>` in the payload as Lambda names them. */
class RuntimeError extends Error {
  constructor(kind: string, message: string) {
    super(message);
    this.name = `Runtime.${kind}`;
    const stack = (this.stack ?? '').split('\n').slice(1);
    this.stack = [`${this.name}: ${message}`, ...stack].join('\n');
  }
}

/**
 * `_HANDLER` as Lambda reads it: an optional directory (`src/index.handler`), then the module name
 * up to the first dot and the rest as a property path (`index.handlers.main` is
 * `require('./index').handlers.main`).
 */
function parseHandler(spec: string): { moduleDir: string; moduleName: string; propertyPath: string[] } {
  if (spec.includes('..')) {
    throw new RuntimeError(
      'MalformedHandlerName',
      `'${spec}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const base = path.basename(spec);
  const moduleDir = spec.slice(0, spec.length - base.length);
  const dot = base.indexOf('.');
  if (dot <= 0 || dot === base.length - 1) throw new RuntimeError('MalformedHandlerName', 'Bad handler');
  return { moduleDir, moduleName: base.slice(0, dot), propertyPath: base.slice(dot + 1).split('.') };
}

/** The module's file beside the task root, else a package `require` would find from there. */
function locateModule(root: string, moduleDir: string, moduleName: string): string {
  const stem = path.resolve(root, moduleDir, moduleName);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => stem + ext).find((f) => fs.existsSync(f));
  if (file !== undefined) return file;
  try {
    return createRequire(path.join(root, moduleDir, 'noop.js')).resolve(moduleName);
  } catch (error) {
    throw new RuntimeError('ImportModuleError', String(error));
  }
}

function walk(from: unknown, propertyPath: readonly string[]): unknown {
  let at = from;
  for (const key of propertyPath) {
    if (at === null || at === undefined) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * Load the handler or throw what Lambda reports at init: `Runtime.UserCodeSyntaxError` for a
 * module that does not parse, `Runtime.ImportModuleError` for a module (or one it imports) that
 * cannot be found, `Runtime.HandlerNotFound` for a property path that is not a function, and any
 * other error thrown while the module loads as itself.
 */
async function loadHandler(): Promise<Handler> {
  const spec = process.env._HANDLER ?? '';
  const { moduleDir, moduleName, propertyPath } = parseHandler(spec);
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const file = locateModule(root, moduleDir, moduleName);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof SyntaxError) throw new RuntimeError('UserCodeSyntaxError', String(error));
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw new RuntimeError('ImportModuleError', String(error));
    }
    throw error;
  }
  // A CommonJS module's exports are the namespace's `default`; named exports are found either way.
  const handler = walk(loaded, propertyPath) ?? walk(loaded.default, propertyPath);
  if (handler === undefined || handler === null) {
    throw new RuntimeError('HandlerNotFound', `${spec} is undefined or not exported`);
  }
  if (typeof handler !== 'function') throw new RuntimeError('HandlerNotFound', `${spec} is not a function`);
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
    await call('POST', '/init/error', JSON.stringify(doc), {
      'content-type': 'application/json',
      'lambda-runtime-function-error-type': doc.errorType,
    });
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
