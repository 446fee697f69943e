import { authorize } from '../control/authorize.js';
import { AwsError } from '../errors.js';
import type { QueryParams } from '../protocol/query.js';
import type { XmlNode } from '../protocol/xml.js';
import type { StsContext } from './context.js';

/** botocore's `accessKeyIdType`: 16..128 word characters. */
const ACCESS_KEY_ID = /^\w{16,128}$/;

/**
 * `GetAccessKeyInfo`: the account a key belongs to. AWS decodes the account from the key id
 * itself, for any key; credplane's ids carry no account, so it answers for the long-term keys it
 * holds (users' keys, any account of this plane) and for the key that signed the call, and
 * refuses others with `InvalidParameterValue` rather than guess (docs/control-plane.md).
 * Authorized as `sts:GetAccessKeyInfo` on `*`, as the service authorization reference lists it.
 */
export function getAccessKeyInfo(ctx: StsContext, params: QueryParams): XmlNode {
  const accessKeyId = params.require('AccessKeyId');
  if (!ACCESS_KEY_ID.test(accessKeyId)) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${accessKeyId.slice(0, 128)}' at 'accessKeyId' failed to satisfy constraint: Member must ${
        accessKeyId.length < 16
          ? 'have length greater than or equal to 16'
          : 'satisfy regular expression pattern: [\\w]*'
      }`,
      { status: 400 },
    );
  }
  authorize(ctx.auth, { action: 'sts:GetAccessKeyInfo', resource: '*' }, ctx.keyRing());
  if (accessKeyId === ctx.auth.caller.accessKeyId) return { Account: ctx.auth.caller.accountId };
  const key = ctx.snapshot.adminKey(accessKeyId);
  if (key === undefined) {
    throw new AwsError(
      'InvalidParameterValue',
      `The access key ${accessKeyId} is not one credplane issued.`,
      {
        status: 400,
      },
    );
  }
  return { Account: key.accountId };
}
