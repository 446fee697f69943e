/** `credplane/policy`: the IAM policy language as a pure library. */
export * from './ast.js';
export { MalformedPolicyDocumentError, formatLocation } from './errors.js';
export { parsePolicy } from './parse.js';
export type { ParsePolicyOptions } from './parse.js';
export { parseConditionOperator } from './condition-operator.js';
export type { OperatorParseResult } from './condition-operator.js';
export { hasVariables, parseVariableTemplate, resolveTemplate } from './variables.js';
export type {
  ResolvedPart,
  TemplateSegment,
  VariableProblem,
  VariableProblemCode,
  VariableTemplate,
} from './variables.js';
export { validatePolicy } from './validate.js';
export type {
  FindingSeverity,
  IdentityAttachment,
  PolicyFinding,
  ValidatePolicyOptions,
} from './validate.js';
