/**
 * Policy checks in the manner of IAM Access Analyzer's ValidatePolicy: the grammar findings of
 * `policy/validate.ts` plus checks against the action catalogue (unknown actions, services,
 * condition keys and resource types; actions and resources that cannot meet), PassRole and other
 * broad grants, redundancy, and trust-policy checks — for one document (`checkPolicy`) or every
 * policy of a CloudFormation template (`checkTemplate`). One module per family; codes and titles
 * in `codes.ts`.
 */
export { checkPolicy, sortFindings } from './check-policy.js';
export type { CheckPolicyOptions } from './check-policy.js';
export type { PolicyCheckKind } from './context.js';
export { POLICY_CHECK_CODES, titleFor } from './codes.js';
export type { PolicyCheckCode } from './codes.js';
export { checkTemplate, checkTemplateText, findTemplatePolicies } from '../template-policies.js';
export type { TemplatePolicy } from '../template-policies.js';
