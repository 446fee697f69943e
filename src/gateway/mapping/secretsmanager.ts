/**
 * Secrets Manager (JSON 1.1, `X-Amz-Target: secretsmanager.<Operation>`) -> IAM checks.
 *
 * A secret's ARN ends in `-` and six random characters that only Secrets Manager knows
 * (`secret:db-password-AbCdEf`), and requests may name the secret without them (by name, or by a
 * partial ARN); AWS authorizes on the full ARN whatever the request named. Learning the suffix is
 * I/O: `references` lists every `SecretId`, the gateway's resolver (`gateway/resolve/`) asks the
 * backend (DescribeSecret), and `map` checks the full ARN from `request.resolved` — a `SecretId`
 * missing there is `ResourceNotFoundException`, so no other name for a secret dodges a Deny on its
 * ARN. `secretsmanager:SecretId` keeps the value the request sent.
 *
 * Without `request.resolved` (the mapper used alone) a name or partial ARN is checked against
 * `secret:<name>-??????`, which matches the patterns AWS documents for naming a secret in a policy
 * (`secret:<name>-??????`, `secret:<name>-*`, `secret:*`) but not a policy naming the one full ARN.
 * CreateSecret is checked that way always: its ARN does not exist yet.
 *
 * Condition keys: `secretsmanager:SecretId` (as the request gives it), `secretsmanager:Name`,
 * `secretsmanager:VersionId`, `secretsmanager:VersionStage`, `secretsmanager:Description`,
 * `secretsmanager:KmsKeyId`, `secretsmanager:ForceDeleteWithoutRecovery`,
 * `secretsmanager:RecoveryWindowInDays`, `aws:RequestTag/*`, `aws:TagKeys`. SecretString and
 * SecretBinary are never logged.
 */
import { AwsError } from '../../errors.js';
import type { ContextInput } from '../../policy/index.js';
import type {
  GatewayRequest,
  MappedRequest,
  ResourceReferences,
  ServiceMapper,
  UnmappedRequest,
} from '../types.js';
import { foreignAccount, resourceArn, splitArn } from './support/arn.js';
import { requestTagContext, tagKeysContext } from './support/conditions.js';
import {
  optionalBoolean,
  optionalNumber,
  optionalString,
  parseJsonBody,
  requiredString,
  stringList,
  tagList,
} from './support/json-body.js';
import type { JsonObject } from './support/json-body.js';
import { coverageOf, operationEntry, runOperation } from './support/operations.js';
import type { MappedParts, OperationTable } from './support/operations.js';
import { pickParameters } from './support/parameters.js';
import { requireOperationFromTarget } from './support/target.js';

const SERVICE = { service: 'secretsmanager', eventSource: 'secretsmanager.amazonaws.com' } as const;

const LOGGED = [
  'SecretId',
  'Name',
  'VersionId',
  'VersionStage',
  'VersionStages',
  'Description',
  'KmsKeyId',
  'ForceDeleteWithoutRecovery',
  'RecoveryWindowInDays',
  'ClientRequestToken',
  'TagKeys',
  'MaxResults',
  'IncludeDeprecated',
] as const;

/** The stand-in for the six random characters a secret ARN ends with. */
const UNKNOWN_SUFFIX = '-??????';
const FULL_SECRET_ARN = /:secret:.+-[A-Za-z0-9]{6}$/;
/** Secrets Manager's name characters, so no name shapes the ARN (no `*`, `?` or `:`). */
const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

function invalidName(): AwsError {
  return new AwsError(
    'ValidationException',
    'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    { status: 400 },
  );
}

/**
 * The ARN a `SecretId` is checked against (see the module comment).
 *
 * @example
 * secretResource(request, 'db-password'); // 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db-password-??????'
 */
export function secretResource(request: GatewayRequest, secretId: string): string {
  const arn = splitArn(secretId);
  if (arn === undefined) {
    if (!NAME.test(secretId)) throw invalidName();
    return resourceArn(request, 'secretsmanager', `secret:${secretId}${UNKNOWN_SUFFIX}`);
  }
  if (
    arn.service !== 'secretsmanager' ||
    !arn.resource.startsWith('secret:') ||
    !NAME.test(arn.resource.slice(7))
  ) {
    throw invalidName();
  }
  return FULL_SECRET_ARN.test(secretId) ? secretId : `${secretId}${UNKNOWN_SUFFIX}`;
}

type Extra = (input: JsonObject) => Record<string, ContextInput>;

function stringKeys(input: JsonObject, members: readonly string[]): Record<string, ContextInput> {
  const keys: Record<string, ContextInput> = {};
  for (const member of members) {
    const value = optionalString(input, member);
    if (value !== undefined) keys[`secretsmanager:${member}`] = value;
  }
  return keys;
}

/** Secrets Manager's answer for a secret that does not exist. */
export function secretNotFound(): AwsError {
  return new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.", {
    status: 400,
  });
}

/**
 * The full ARN of the secret `secretId` names, from the resolver's answer (`fullName`, the name
 * with its suffix), in the account and region the request names.
 */
function resolvedSecretArn(request: GatewayRequest, secretId: string): string {
  secretResource(request, secretId); // the same validation as unresolved
  const fullName = request.resolved?.secrets?.get(secretId);
  if (fullName === undefined) throw secretNotFound();
  const arn = splitArn(secretId);
  const place = arn === undefined ? {} : { region: arn.region, account: arn.account };
  return resourceArn(
    arn === undefined ? request : { ...request, partition: arn.partition },
    'secretsmanager',
    `secret:${fullName}`,
    place,
  );
}

/** Operations on the secret `SecretId` names. */
function secretOperation(action: string, extra: Extra = () => ({})) {
  return {
    actions: [`secretsmanager:${action}`],
    map: (input: JsonObject, request: GatewayRequest): MappedParts => {
      const secretId = requiredString(input, 'SecretId');
      const resource =
        request.resolved === undefined
          ? secretResource(request, secretId)
          : resolvedSecretArn(request, secretId);
      return {
        checks: [
          {
            action: `secretsmanager:${action}`,
            resource,
            ...foreignAccount(request, resource),
            context: { 'secretsmanager:SecretId': secretId, ...extra(input) },
          },
        ],
        requestParameters: pickParameters(input, LOGGED),
      };
    },
  };
}

const operations: OperationTable<JsonObject, GatewayRequest> = {
  GetSecretValue: secretOperation('GetSecretValue', (input) =>
    stringKeys(input, ['VersionId', 'VersionStage']),
  ),
  PutSecretValue: secretOperation('PutSecretValue'),
  DescribeSecret: secretOperation('DescribeSecret'),
  ListSecretVersionIds: secretOperation('ListSecretVersionIds'),
  RestoreSecret: secretOperation('RestoreSecret'),
  DeleteSecret: secretOperation('DeleteSecret', (input) => {
    const keys: Record<string, ContextInput> = {};
    const force = optionalBoolean(input, 'ForceDeleteWithoutRecovery');
    if (force !== undefined) keys['secretsmanager:ForceDeleteWithoutRecovery'] = force;
    const window = optionalNumber(input, 'RecoveryWindowInDays');
    if (window !== undefined) keys['secretsmanager:RecoveryWindowInDays'] = window;
    return keys;
  }),
  UpdateSecret: secretOperation('UpdateSecret', (input) => stringKeys(input, ['Description', 'KmsKeyId'])),
  TagResource: secretOperation('TagResource', (input) => requestTagContext(tagList(input, 'Tags'))),
  UntagResource: secretOperation('UntagResource', (input) => tagKeysContext(stringList(input, 'TagKeys'))),
  CreateSecret: {
    actions: ['secretsmanager:CreateSecret'],
    map: (input, request) => {
      const name = requiredString(input, 'Name');
      if (!NAME.test(name)) throw invalidName();
      return {
        checks: [
          {
            action: 'secretsmanager:CreateSecret',
            resource: resourceArn(request, 'secretsmanager', `secret:${name}${UNKNOWN_SUFFIX}`),
            context: {
              'secretsmanager:Name': name,
              ...stringKeys(input, ['Description', 'KmsKeyId']),
              ...requestTagContext(tagList(input, 'Tags')),
            },
          },
        ],
        requestParameters: pickParameters(input, LOGGED),
      };
    },
  },
  ListSecrets: {
    actions: ['secretsmanager:ListSecrets'],
    map: (input) => ({
      checks: [{ action: 'secretsmanager:ListSecrets', resource: '*', context: {} }],
      requestParameters: pickParameters(input, LOGGED),
    }),
  },
};

/** Every mapped operation with the actions it can need. */
export const secretsManagerCoverage = coverageOf(operations);

/** The Secrets Manager mapper. */
export const secretsManagerMapper: ServiceMapper = {
  service: 'secretsmanager',
  signingName: 'secretsmanager',
  protocol: 'json',
  needsBody: () => true,
  map(request: GatewayRequest): MappedRequest | UnmappedRequest {
    const operation = requireOperationFromTarget(request, 'secretsmanager');
    return runOperation(SERVICE, operations, operation, () => parseJsonBody(request.body), request);
  },
  references(request: GatewayRequest): ResourceReferences {
    const operation = requireOperationFromTarget(request, 'secretsmanager');
    const entry = operationEntry(operations, operation);
    if (entry === undefined || operation === 'CreateSecret' || operation === 'ListSecrets') return {};
    const secretId = optionalString(parseJsonBody(request.body), 'SecretId');
    return secretId === undefined ? {} : { secrets: [secretId] };
  },
};
