/** Shapes shared by the condition operator families. */
import type { ContextValue, RequestContext } from '../context.js';

/**
 * True when one context value satisfies at least one of the operator's policy values (the OR over
 * values). Negation, IfExists and set operators are applied around it by `compileCondition`.
 */
export type ValueMatcher = (value: ContextValue, context: RequestContext) => boolean;

/** A compiled condition entry (one operator, one key): true when the condition holds. */
export type ConditionTest = (context: RequestContext) => boolean;
