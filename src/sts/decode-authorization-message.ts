import { authorize } from '../control/authorize.js';
import { decodeDenial } from '../control/authorization-message.js';
import { AwsError } from '../errors.js';
import type { QueryParams } from '../protocol/query.js';
import type { XmlNode } from '../protocol/xml.js';
import type { StsContext } from './context.js';

/** `DecodeAuthorizationMessage`: expands the encoded message credplane appends to `AccessDenied`. */
export function decodeAuthorizationMessage(ctx: StsContext, params: QueryParams): XmlNode {
  const encoded = params.require('EncodedMessage');
  const ring = ctx.keyRing();
  authorize(ctx.auth, { action: 'sts:DecodeAuthorizationMessage', resource: '*' }, ring);
  const decoded = decodeDenial(encoded, ring);
  if (decoded === undefined) {
    throw new AwsError(
      'InvalidAuthorizationMessageException',
      'The encoded authorization message is invalid.',
      {
        status: 400,
      },
    );
  }
  return { DecodedMessage: decoded };
}
