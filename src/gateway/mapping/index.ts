/**
 * The gateway's mappers by SigV4 signing name, and the error shape each request is answered in.
 */
import type { AwsProtocol, GatewayRequest, ServiceMapper } from '../types.js';
import { dynamodbMapper } from './dynamodb.js';
import { kmsMapper } from './kms.js';
import { lambdaMapper } from './lambda.js';
import { s3Mapper } from './s3.js';
import { secretsManagerMapper } from './secretsmanager.js';
import { snsMapper } from './sns.js';
import { sqsMapper, sqsRequestProtocol } from './sqs.js';
import { ssmMapper } from './ssm.js';

/** Every mapper, in the order the coverage table lists them. */
export const MAPPERS: readonly ServiceMapper[] = [
  s3Mapper,
  dynamodbMapper,
  sqsMapper,
  snsMapper,
  kmsMapper,
  secretsManagerMapper,
  ssmMapper,
  lambdaMapper,
];

const BY_SIGNING_NAME: ReadonlyMap<string, ServiceMapper> = new Map(
  MAPPERS.map((mapper) => [mapper.signingName, mapper]),
);

/**
 * The mapper for requests signed for `signingName` (the service in the credential scope), or
 * `undefined` for a service the gateway does not map.
 *
 * @example
 * mapperForSigningName('dynamodb')?.service; // 'dynamodb'
 */
export function mapperForSigningName(signingName: string): ServiceMapper | undefined {
  return BY_SIGNING_NAME.get(signingName);
}

/** The Query XML namespace of SQS errors, for SQS requests made in the Query protocol. */
const SQS_QUERY_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

/**
 * The protocol and error namespace to answer `request` in. The same as the mapper's for every
 * service but SQS, which takes both JSON and Query requests and must answer each in its own shape.
 *
 * @example
 * requestErrorShape(sqsMapper, queryRequest); // { protocol: 'query', errorNamespace: 'http://queue.amazonaws.com/doc/2012-11-05/' }
 */
export function requestErrorShape(
  mapper: ServiceMapper,
  request: Pick<GatewayRequest, 'headers'>,
): { protocol: AwsProtocol; errorNamespace?: string } {
  if (mapper.service === 'sqs' && sqsRequestProtocol(request) === 'query') {
    return { protocol: 'query', errorNamespace: SQS_QUERY_NAMESPACE };
  }
  return {
    protocol: mapper.protocol,
    ...(mapper.errorNamespace === undefined ? {} : { errorNamespace: mapper.errorNamespace }),
  };
}

export { createDynamoDbMapper } from './dynamodb.js';
export type { DynamoDbKeySchema, DynamoDbMapperOptions, DynamoDbTableRef } from './dynamodb.js';
export { createKmsMapper, clearKeyIdPrefix } from './kms.js';
export type { KmsMapperOptions } from './kms.js';
