/**
 * Lambda (REST-JSON) -> IAM checks, from method and path: `Invoke`
 * (`POST /2015-03-31/functions/<function>/invocations`), its streaming and legacy async forms,
 * `GetFunction`, `GetFunctionConfiguration` and `ListFunctions`.
 *
 * A function may be named by name, `name:qualifier`, partial ARN (`<account>:function:name`) or
 * full ARN, with an optional `Qualifier` query parameter. A qualified call is checked on the
 * qualified ARN (`function:name:prod`), as AWS does: a policy on the unqualified ARN does not
 * cover it. The invocation payload is never read (the body streams to the backend) nor logged.
 */
import { AwsError } from '../../errors.js';
import { splitArn } from '../../iam/arn.js';
import type { GatewayRequest, MappedRequest, ServiceMapper, UnmappedRequest } from '../types.js';
import { foreignAccount, resourceArn } from './support/arn.js';
import { coverageOf, runOperation } from './support/operations.js';
import type { MappedParts, OperationTable } from './support/operations.js';

const SERVICE = { service: 'lambda', eventSource: 'lambda.amazonaws.com' } as const;

const NAME = /^[A-Za-z0-9_-]{1,140}$/;
const QUALIFIER = /^(?:\$LATEST|[A-Za-z0-9_-]{1,128})$/;

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterValueException', message, { status: 400 });
}

/**
 * The function ARN a request names, qualified when a qualifier is given in the name or as
 * `Qualifier`.
 *
 * @example
 * functionArn(request, '111122223333:function:resize', 'prod');
 * // 'arn:aws:lambda:us-east-1:111122223333:function:resize:prod'
 */
export function functionArn(request: GatewayRequest, functionName: string, qualifier?: string): string {
  const parts = functionName.split(':');
  let region = request.region;
  let account = request.accountId;
  let name: string | undefined;
  let inName: string | undefined;
  const arn = splitArn(functionName);
  // `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`
  const fields = arn?.service === 'lambda' ? arn.resource.split(':') : [];
  if (arn !== undefined && fields.length >= 2 && fields[0] === 'function') {
    [region, account, name, inName] = [arn.region, arn.accountId, fields[1], fields[2]];
    if (fields.length > 3) throw invalid(`Invalid function name: ${truncate(functionName)}`);
  } else if (parts.length >= 3 && parts[1] === 'function' && /^\d{12}$/.test(parts[0] ?? '')) {
    [account, name, inName] = [parts[0] as string, parts[2], parts[3]];
    if (parts.length > 4) throw invalid(`Invalid function name: ${truncate(functionName)}`);
  } else if (parts.length <= 2) {
    [name, inName] = [parts[0], parts[1]];
  }
  if (name === undefined || !NAME.test(name) || (inName !== undefined && !QUALIFIER.test(inName))) {
    throw invalid(
      `1 validation error detected: Value '${truncate(functionName)}' at 'functionName' failed to satisfy constraint`,
    );
  }
  if (qualifier !== undefined && !QUALIFIER.test(qualifier)) {
    throw invalid(
      `1 validation error detected: Value '${truncate(qualifier)}' at 'qualifier' failed to satisfy constraint`,
    );
  }
  if (inName !== undefined && qualifier !== undefined && inName !== qualifier) {
    throw invalid('The derived qualifier from the function name does not match the specified qualifier.');
  }
  const finalQualifier = qualifier ?? inName;
  const resource = `function:${name}${finalQualifier === undefined ? '' : `:${finalQualifier}`}`;
  return resourceArn(request, 'lambda', resource, { region, account });
}

interface LambdaInput {
  functionName: string | undefined;
}

/** A query parameter; given twice with different values it is refused (backends differ on which wins). */
function queryValue(request: GatewayRequest, name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of request.query) {
    if (key !== name) continue;
    if (found !== undefined && found !== value)
      throw invalid(`The parameter ${name} is given more than once.`);
    found = value;
  }
  return found;
}

function functionOperation(action: string) {
  return {
    actions: [`lambda:${action}`],
    map: (input: LambdaInput, request: GatewayRequest): MappedParts => {
      const functionName = input.functionName ?? '';
      const qualifier = queryValue(request, 'Qualifier');
      const resource = functionArn(request, functionName, qualifier === '' ? undefined : qualifier);
      const invocationType = request.headers['x-amz-invocation-type'];
      return {
        checks: [{ action: `lambda:${action}`, resource, ...foreignAccount(request, resource), context: {} }],
        requestParameters: {
          functionName,
          ...(qualifier === undefined ? {} : { qualifier }),
          ...(action === 'InvokeFunction' && invocationType !== undefined ? { invocationType } : {}),
        },
      };
    },
  };
}

const operations: OperationTable<LambdaInput, GatewayRequest> = {
  Invoke: functionOperation('InvokeFunction'),
  InvokeWithResponseStream: functionOperation('InvokeFunction'),
  InvokeAsync: functionOperation('InvokeFunction'),
  GetFunction: functionOperation('GetFunction'),
  GetFunctionConfiguration: functionOperation('GetFunctionConfiguration'),
  ListFunctions: {
    actions: ['lambda:ListFunctions'],
    map: () => ({ checks: [{ action: 'lambda:ListFunctions', resource: '*', context: {} }] }),
  },
};

/** Every mapped operation with the actions it can need. */
export const lambdaCoverage = coverageOf(operations);

/** Method and path patterns of the mapped operations; the function name is one encoded segment. */
const ROUTES: readonly { method: string; path: RegExp; operation: string }[] = [
  { method: 'POST', path: /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/, operation: 'Invoke' },
  {
    method: 'POST',
    path: /^\/2021-11-15\/functions\/([^/]+)\/response-streaming-invocations\/?$/,
    operation: 'InvokeWithResponseStream',
  },
  { method: 'POST', path: /^\/2014-11-13\/functions\/([^/]+)\/invoke-async\/?$/, operation: 'InvokeAsync' },
  {
    method: 'GET',
    path: /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/,
    operation: 'GetFunctionConfiguration',
  },
  { method: 'GET', path: /^\/2015-03-31\/functions\/([^/]+)\/?$/, operation: 'GetFunction' },
  { method: 'GET', path: /^\/2015-03-31\/functions\/?$/, operation: 'ListFunctions' },
];

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalid('The function name is not correctly percent-encoded.');
  }
}

/**
 * The query parameters of the mapped operations (Lambda API Reference): `Qualifier` names the
 * version or alias the check is on; ListFunctions pages and filters a list it authorizes as `*`.
 */
const QUERY_PARAMETERS: ReadonlySet<string> = new Set([
  'Qualifier',
  'Marker',
  'MaxItems',
  'FunctionVersion',
  'MasterRegion',
]);

/** The Lambda mapper (REST-JSON; the invocation payload streams unread). */
export const lambdaMapper: ServiceMapper = {
  service: 'lambda',
  signingName: 'lambda',
  protocol: 'rest-json',
  needsBody: () => false,
  acceptsQueryParameter: (name) => QUERY_PARAMETERS.has(name),
  map(request: GatewayRequest): MappedRequest | UnmappedRequest {
    const method = request.method.toUpperCase();
    for (const route of ROUTES) {
      if (route.method !== method) continue;
      const match = route.path.exec(request.path);
      if (match === null) continue;
      const segment = match[1];
      const input: LambdaInput = { functionName: segment === undefined ? undefined : decodeSegment(segment) };
      return runOperation(SERVICE, operations, route.operation, () => input, request);
    }
    return { unmapped: true, ...SERVICE };
  },
};

function truncate(text: string): string {
  return text.length > 128 ? `${text.slice(0, 128)}...` : text;
}
