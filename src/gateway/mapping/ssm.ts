/**
 * SSM Parameter Store (JSON 1.1, `X-Amz-Target: AmazonSSM.<Operation>`) -> IAM checks.
 *
 * A parameter's ARN is `arn:<partition>:ssm:<region>:<account>:parameter/<name without its leading
 * slash>`; a name may also be given as that ARN, and `GetParameter` accepts a version or label
 * selector (`/app/db:3`), which is not part of the resource. `GetParametersByPath` is checked on the
 * path as a parameter ARN, `GetParameters` and `DeleteParameters` once per name. Tagging operations
 * are mapped for parameters only (other SSM resource types are unmapped). Parameter values
 * (SecureString or not) are never logged.
 */
import { AwsError } from '../../errors.js';
import type { ContextInput } from '../../policy/index.js';
import type {
  AuthorizationCheck,
  GatewayRequest,
  MappedRequest,
  ServiceMapper,
  UnmappedRequest,
} from '../types.js';
import { foreignAccount, resourceArn, splitArn } from './support/arn.js';
import { requestTagContext, tagKeysContext } from './support/conditions.js';
import {
  optionalBoolean,
  optionalString,
  parseJsonBody,
  requiredString,
  stringList,
  tagList,
} from './support/json-body.js';
import type { JsonObject } from './support/json-body.js';
import { coverageOf, runOperation } from './support/operations.js';
import type { MappedParts, OperationTable } from './support/operations.js';
import { pickParameters } from './support/parameters.js';
import { requireOperationFromTarget } from './support/target.js';

const SERVICE = { service: 'ssm', eventSource: 'ssm.amazonaws.com' } as const;

/** A parameter name without its leading slash: SSM's characters only, so no name shapes the ARN. */
const NAME = /^[a-zA-Z0-9_.\-/]{1,2048}$/;

const LOGGED = [
  'Name',
  'Names',
  'Path',
  'Recursive',
  'WithDecryption',
  'Type',
  'Overwrite',
  'Tier',
  'DataType',
  'KeyId',
  'Description',
  'ResourceType',
  'ResourceId',
  'TagKeys',
  'MaxResults',
] as const;

/**
 * The ARN of the parameter `name` names (a name, a path, or an ARN; any `:selector` dropped).
 *
 * @example
 * parameterArn(request, '/app/db:3'); // 'arn:aws:ssm:us-east-1:111122223333:parameter/app/db'
 */
export function parameterArn(request: GatewayRequest, name: string): string {
  const arn = splitArn(name);
  if (arn !== undefined) {
    if (arn.service !== 'ssm' || !arn.resource.startsWith('parameter/')) throw invalidName(name);
    const colon = arn.resource.indexOf(':');
    const path = colon === -1 ? arn.resource : arn.resource.slice(0, colon);
    if (!NAME.test(path.slice('parameter/'.length))) throw invalidName(name);
    return colon === -1 ? name : name.slice(0, name.length - (arn.resource.length - colon));
  }
  const colon = name.indexOf(':');
  const bare = (colon === -1 ? name : name.slice(0, colon)).replace(/^\//, '');
  if (!NAME.test(bare)) throw invalidName(name);
  return resourceArn(request, 'ssm', `parameter/${bare}`);
}

function invalidName(name: string): AwsError {
  const shown = name.length > 128 ? `${name.slice(0, 128)}...` : name;
  return new AwsError('ValidationException', `Parameter name: ${shown} is not valid.`, { status: 400 });
}

function check(
  action: string,
  resource: string,
  request: GatewayRequest,
  context: Record<string, ContextInput> = {},
): AuthorizationCheck {
  return { action: `ssm:${action}`, resource, ...foreignAccount(request, resource), context };
}

function nameOperation(
  action: string,
  extra: (input: JsonObject) => Record<string, ContextInput> = () => ({}),
) {
  return {
    actions: [`ssm:${action}`],
    map: (input: JsonObject, request: GatewayRequest): MappedParts => ({
      checks: [check(action, parameterArn(request, requiredString(input, 'Name')), request, extra(input))],
      requestParameters: pickParameters(input, LOGGED),
    }),
  };
}

function namesOperation(action: string) {
  return {
    actions: [`ssm:${action}`],
    map: (input: JsonObject, request: GatewayRequest): MappedParts => {
      const names = stringList(input, 'Names');
      if (names.length === 0) {
        throw new AwsError(
          'ValidationException',
          "1 validation error detected: Value null at 'names' failed to satisfy constraint: Member must not be null",
          { status: 400 },
        );
      }
      return {
        checks: names.map((name) => check(action, parameterArn(request, name), request)),
        requestParameters: pickParameters(input, LOGGED),
      };
    },
  };
}

/** Tagging operations on a parameter (`ResourceType: Parameter`, `ResourceId: <name>`). */
function taggingOperation(action: 'AddTagsToResource' | 'RemoveTagsFromResource' | 'ListTagsForResource') {
  return {
    actions: [`ssm:${action}`],
    map: (input: JsonObject, request: GatewayRequest): MappedParts => {
      const resource = parameterArn(request, requiredString(input, 'ResourceId'));
      const context =
        action === 'AddTagsToResource'
          ? requestTagContext(tagList(input, 'Tags'))
          : action === 'RemoveTagsFromResource'
            ? tagKeysContext(stringList(input, 'TagKeys'))
            : {};
      return {
        checks: [check(action, resource, request, context)],
        requestParameters: pickParameters(input, LOGGED),
      };
    },
  };
}

const operations: OperationTable<JsonObject, GatewayRequest> = {
  GetParameter: nameOperation('GetParameter'),
  GetParameters: namesOperation('GetParameters'),
  GetParameterHistory: nameOperation('GetParameterHistory'),
  GetParametersByPath: {
    actions: ['ssm:GetParametersByPath'],
    map: (input, request) => {
      const path = requiredString(input, 'Path');
      // The root path `/` is every parameter: `parameter/`, which `parameter/*` patterns match.
      const resource =
        path === '/'
          ? resourceArn(request, 'ssm', 'parameter/')
          : parameterArn(request, path.replace(/\/$/, ''));
      return {
        checks: [
          check('GetParametersByPath', resource, request, {
            'ssm:Recursive': optionalBoolean(input, 'Recursive') ?? false,
          }),
        ],
        requestParameters: pickParameters(input, LOGGED),
      };
    },
  },
  PutParameter: nameOperation('PutParameter', (input) => ({
    'ssm:Overwrite': optionalBoolean(input, 'Overwrite') ?? false,
    ...requestTagContext(tagList(input, 'Tags')),
  })),
  DeleteParameter: nameOperation('DeleteParameter'),
  DeleteParameters: namesOperation('DeleteParameters'),
  DescribeParameters: {
    actions: ['ssm:DescribeParameters'],
    map: (input) => ({
      checks: [{ action: 'ssm:DescribeParameters', resource: '*', context: {} }],
      requestParameters: pickParameters(input, LOGGED),
    }),
  },
  AddTagsToResource: taggingOperation('AddTagsToResource'),
  RemoveTagsFromResource: taggingOperation('RemoveTagsFromResource'),
  ListTagsForResource: taggingOperation('ListTagsForResource'),
};

/** Every mapped operation with the actions it can need. */
export const ssmCoverage = coverageOf(operations);

const TAGGING = new Set(['AddTagsToResource', 'RemoveTagsFromResource', 'ListTagsForResource']);

/** The SSM Parameter Store mapper. */
export const ssmMapper: ServiceMapper = {
  service: 'ssm',
  signingName: 'ssm',
  protocol: 'json',
  needsBody: () => true,
  map(request: GatewayRequest): MappedRequest | UnmappedRequest {
    const operation = requireOperationFromTarget(request, 'AmazonSSM');
    let input: JsonObject | undefined;
    const read = (): JsonObject => (input ??= parseJsonBody(request.body));
    // Tagging of documents, instances, maintenance windows... is not mapped: fail closed on it.
    if (TAGGING.has(operation) && optionalString(read(), 'ResourceType') !== 'Parameter') {
      return { unmapped: true, ...SERVICE, operation };
    }
    return runOperation(SERVICE, operations, operation, read, request);
  },
};
