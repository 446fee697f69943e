/**
 * The text of every `AccessDenied` credplane answers after a policy decision, for its own APIs
 * (`authorize`) and for the gateway's: AWS's "User: … is not authorized to perform: … on
 * resource: … because …" sentence followed by the encoded authorization failure message that
 * `sts:DecodeAuthorizationMessage` expands (see "DecodeAuthorizationMessage" in the AWS STS API
 * Reference).
 */
import type { KeyRing } from '../crypto/index.js';
import { accessDeniedMessage } from '../policy/index.js';
import { encodeDenial, type DeniedRequest } from './authorization-message.js';

export interface DenialMessageOptions {
  /** Seals the encoded message; without one the error carries the sentence alone. */
  ring?: KeyRing;
  /** S3 quotes the resource ARN (`on resource: "arn:aws:s3:::b/k" because …`). */
  quoteResource?: boolean;
  /**
   * End the sentence with a period before the encoded message (the gateway's services, as AWS's
   * own answer them); credplane's STS and IAM APIs have always used a single space.
   */
  period?: boolean;
}

export interface DenialMessage {
  /** The sentence alone (what the access log records as the error message). */
  sentence: string;
  /** The error's whole message: the sentence and, with a key ring, the encoded message. */
  message: string;
}

/**
 * @example
 * const { message } = denialMessage({ auth, action, resource, context, decision }, { ring });
 * throw new AccessDeniedError(message);
 */
export function denialMessage(denied: DeniedRequest, options: DenialMessageOptions = {}): DenialMessage {
  const named = iamMessageResource(denied.action, denied.resource);
  const resource = options.quoteResource === true ? `"${named}"` : named;
  const sentence =
    accessDeniedMessage(
      { principal: denied.auth.principal, action: denied.action, resource },
      denied.decision,
    ) ?? 'Access denied';
  if (options.ring === undefined) return { sentence, message: sentence };
  const separator = options.period === true ? '. ' : ' ';
  return {
    sentence,
    message: `${sentence}${separator}Encoded authorization failure message: ${encodeDenial(denied, options.ring)}`,
  };
}

const IAM_RESOURCE = /^arn:[a-z-]+:iam::\d{12}:(role|user|policy)\/(?:[^/]*\/)*([^/]+)$/;

/**
 * How IAM names its own resources in an AccessDenied sentence: `role <name>`, `user <name>` and
 * `policy <arn>` ("… is not authorized to perform: iam:DeleteRole on resource: role app because
 * …"); any other resource, and every other service's, keeps its ARN.
 *
 * @example
 * iamMessageResource('iam:GetRole', 'arn:aws:iam::123456789012:role/ci/deploy'); // 'role deploy'
 */
export function iamMessageResource(action: string, resource: string): string {
  if (!action.toLowerCase().startsWith('iam:')) return resource;
  const match = IAM_RESOURCE.exec(resource);
  if (match === null) return resource;
  const [, type, name] = match;
  return type === 'policy' ? `policy ${resource}` : `${type!} ${name!}`;
}
