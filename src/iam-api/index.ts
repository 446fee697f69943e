/** The IAM Query API subset credplane serves (namespace `https://iam.amazonaws.com/doc/2010-05-08/`). */
export { handleIamAction, IAM_ACTIONS } from './dispatch.js';
export { IAM_NAMESPACE, IAM_VERSION, encodePolicyDocument, isoDate } from './serialize.js';
export { InvalidActionError, MalformedPolicyDocument, MissingActionError } from './errors.js';
export type { IamOperation } from './operation.js';
