/**
 * Every operation the gateway maps, per service, with the IAM actions it is checked against: the
 * source of docs/gateway.md's coverage table and of the test that maps a real SDK request of every
 * listed operation. Derived from the mappers' own operation tables, so it cannot drift from them.
 */
import type { AwsProtocol } from '../types.js';
import { dynamodbCoverage } from './dynamodb.js';
import { kmsCoverage } from './kms.js';
import { lambdaCoverage } from './lambda.js';
import { S3_COVERAGE } from './s3-coverage.js';
import { secretsManagerCoverage } from './secretsmanager.js';
import { snsCoverage } from './sns.js';
import { sqsCoverage } from './sqs.js';
import { ssmCoverage } from './ssm.js';

export interface CoveredOperation {
  operation: string;
  /** The actions a request of the operation can be checked against (S3 adds when each applies). */
  actions: readonly string[];
}

export interface ServiceCoverage {
  /** The IAM service prefix. */
  service: string;
  /** The service's name as AWS writes it, for the table. */
  title: string;
  protocols: readonly AwsProtocol[];
  operations: readonly CoveredOperation[];
}

function entries(table: Readonly<Record<string, readonly string[]>>): CoveredOperation[] {
  return Object.entries(table).map(([operation, actions]) => ({ operation, actions }));
}

/**
 * The coverage table, one entry per service.
 *
 * @example
 * GATEWAY_COVERAGE.find((s) => s.service === 'sqs')?.operations.map((o) => o.operation); // ['SendMessage', ...]
 */
export const GATEWAY_COVERAGE: readonly ServiceCoverage[] = [
  { service: 's3', title: 'Amazon S3', protocols: ['rest-xml'], operations: S3_COVERAGE },
  {
    service: 'dynamodb',
    title: 'Amazon DynamoDB',
    protocols: ['json'],
    operations: entries(dynamodbCoverage),
  },
  { service: 'sqs', title: 'Amazon SQS', protocols: ['json', 'query'], operations: entries(sqsCoverage) },
  { service: 'sns', title: 'Amazon SNS', protocols: ['query'], operations: entries(snsCoverage) },
  { service: 'kms', title: 'AWS KMS', protocols: ['json'], operations: entries(kmsCoverage) },
  {
    service: 'secretsmanager',
    title: 'AWS Secrets Manager',
    protocols: ['json'],
    operations: entries(secretsManagerCoverage),
  },
  {
    service: 'ssm',
    title: 'AWS Systems Manager Parameter Store',
    protocols: ['json'],
    operations: entries(ssmCoverage),
  },
  { service: 'lambda', title: 'AWS Lambda', protocols: ['rest-json'], operations: entries(lambdaCoverage) },
];

/**
 * The coverage table as Markdown, one row per operation, for docs/gateway.md.
 *
 * @example
 * renderCoverageTable().split('\n')[0]; // '| Service | Operation | IAM actions checked |'
 */
export function renderCoverageTable(coverage: readonly ServiceCoverage[] = GATEWAY_COVERAGE): string {
  const rows = ['| Service | Operation | IAM actions checked |', '| --- | --- | --- |'];
  for (const service of coverage) {
    for (const { operation, actions } of service.operations) {
      rows.push(
        `| ${service.title} | \`${operation}\` | ${actions.map((action) => `\`${action}\``).join(', ')} |`,
      );
    }
  }
  return rows.join('\n');
}
