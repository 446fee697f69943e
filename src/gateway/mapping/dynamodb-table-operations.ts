/** Table-level and tagging operations: one check on the table, index or stream they name. */
import { AwsError } from '../../errors.js';
import { foreignAccount, splitArn } from './support/arn.js';
import { requestTagContext, tagKeysContext } from './support/conditions.js';
import { requiredString, stringList, tagList } from './support/json-body.js';
import type { JsonObject } from './support/json-body.js';
import type { MappedParts } from './support/operations.js';
import { pickParameters } from './support/parameters.js';
import { LOGGED, tableTarget, truncate, type Context } from './dynamodb-request.js';

export function tableOperation(action: string, withTags = false) {
  return {
    actions: [`dynamodb:${action}`],
    map: (input: JsonObject, context: Context): MappedParts => {
      const table = tableTarget(context.request, requiredString(input, 'TableName'));
      const keys = withTags ? requestTagContext(tagList(input, 'Tags')) : {};
      return {
        checks: [{ action: `dynamodb:${action}`, resource: table.arn, ...table.place, context: keys }],
        requestParameters: pickParameters(input, LOGGED),
      };
    },
  };
}

/** Tagging operations name their table, index or stream by `ResourceArn`. */
export function taggingOperation(action: 'TagResource' | 'UntagResource' | 'ListTagsOfResource') {
  return {
    actions: [`dynamodb:${action}`],
    map: (input: JsonObject, context: Context): MappedParts => {
      const arn = requiredString(input, 'ResourceArn');
      if (splitArn(arn)?.service !== 'dynamodb') {
        throw new AwsError('ValidationException', `Invalid TableArn: ${truncate(arn)}`, { status: 400 });
      }
      const keys =
        action === 'TagResource'
          ? requestTagContext(tagList(input, 'Tags'))
          : action === 'UntagResource'
            ? tagKeysContext(stringList(input, 'TagKeys'))
            : {};
      return {
        checks: [
          {
            action: `dynamodb:${action}`,
            resource: arn,
            ...foreignAccount(context.request, arn),
            context: keys,
          },
        ],
        requestParameters: pickParameters(input, LOGGED),
      };
    },
  };
}
