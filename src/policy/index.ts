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
export { compilePolicy, compilePolicyStrict } from './compile.js';
export type { CompiledPolicy, CompiledStatement, CompilePolicyOptions, StatementBucket } from './compile.js';
export { evaluate } from './evaluate.js';
export type { AuthorizationRequest, PolicySet } from './evaluate.js';
export { accessDeniedMessage, describeMissingAllow, describeStatement } from './explain.js';
export type {
  AccessDeniedSubject,
  Decision,
  DecisionKind,
  Explanation,
  MissingAllow,
  StatementRef,
} from './explain.js';
export { ContextValue, RequestContext, createRequestContext, principalContextKeys } from './context.js';
export type {
  ContextEntry,
  ContextInput,
  ContextScalar,
  PrincipalKind,
  RequestPrincipal,
} from './context.js';
export {
  ParsedArn,
  compileActionPattern,
  compileArnPattern,
  compileGlob,
  compileGlobText,
  compilePrincipal,
  parseArnValue,
  wildcardStrength,
} from './match.js';
export type {
  ActionPattern,
  ArnMatcher,
  GlobMatcher,
  PrincipalMatcher,
  PrincipalStrength,
  VariableSource,
} from './match.js';
export { compileCondition, isNegatedOperator } from './conditions/index.js';
export type { CompileConditionOptions, ConditionTest } from './conditions/index.js';
