/**
 * Stack templates: CloudFormation YAML/JSON in, a resolved and validated desired state out, and
 * the plan that brings what exists to it.
 *
 * @example
 * const desired = loadTemplate(text, { stackName: 'demo', accountId: '111122223333', region: 'us-east-1' });
 * console.log(formatPlan(planChanges(desired, current)));
 */
import type { DesiredState } from './desired.js';
import { redactTemplateError, TemplateError } from './errors.js';
import { parseTemplateText } from './load.js';
import { resolveTemplate, type ResolveOptions } from './resolve.js';

export type * from './desired.js';
export { emptyState, allRecords } from './desired.js';
export { TemplateError, formatWhere, type TemplateIssue, type Position } from './errors.js';
export { planChanges, type PlanChange, type PlanAction } from './diff.js';
export { formatPlan, type FormatPlanOptions } from './format.js';
export {
  knownAfterApply,
  hasPlaceholder,
  generatedName,
  type PhysicalResolver,
  type PhysicalRequest,
} from './physical.js';
export type { ParameterInput } from './parameters.js';
export type { ResolveOptions } from './resolve.js';
export { parseTemplateText } from './load.js';
export { SUPPORTED_TYPES } from './schema.js';
export {
  applyTemplate,
  deleteStack,
  type ApplyOptions,
  type ApplyResult,
  type StackTarget,
} from './apply.js';
export { readCurrentState, readCurrentStack, type ReadCurrentOptions, type CurrentStack } from './current.js';
export { StackResourceError } from './errors.js';
export { StackPolicyError } from './preflight.js';
export { STACK_TAG, LOGICAL_ID_TAG, POLICY_TAG_PREFIX } from './ownership.js';

export type LoadTemplateOptions = ResolveOptions;

/**
 * Parses, resolves and validates a template into the desired state of the stack `stackName`.
 * Throws `TemplateError` (code `ValidationError`) naming the logical id, property path and
 * line/column of each problem; values of NoEcho parameters never appear in it.
 *
 * @example
 * loadTemplate(yamlText, { stackName: 'demo', accountId: '111122223333', region: 'us-east-1', parameters: { Env: 'dev' } });
 */
export function loadTemplate(text: string, options: LoadTemplateOptions): DesiredState {
  let secrets: string[] = [];
  try {
    const root = parseTemplateText(text);
    secrets = noEchoValues(root, options);
    return resolveTemplate(root, options);
  } catch (error) {
    if (error instanceof TemplateError) throw redactTemplateError(error, secrets);
    throw error;
  }
}

/**
 * NoEcho values, whether supplied or defaulted, gathered before anything else can quote them.
 * Supplied values are collected even when the template is broken, so that no message shows them.
 */
export function noEchoValues(
  root: ReturnType<typeof parseTemplateText>,
  options: LoadTemplateOptions,
): string[] {
  const section = root.entries.find((e) => e.key === 'Parameters')?.value;
  if (section?.kind !== 'map') return [];
  const out: string[] = [];
  for (const e of section.entries) {
    if (e.value.kind !== 'map') continue;
    const noEcho = e.value.entries.find((x) => x.key === 'NoEcho')?.value;
    if (!(noEcho?.kind === 'scalar' && String(noEcho.value) === 'true')) continue;
    const supplied = options.parameters?.[e.key];
    if (supplied !== undefined) {
      const text = Array.isArray(supplied) ? supplied.map(String) : [String(supplied)];
      out.push(...text, text.join(','));
    }
    const def = e.value.entries.find((x) => x.key === 'Default')?.value;
    if (def?.kind === 'scalar' && def.value !== null) out.push(String(def.value));
  }
  return out;
}
