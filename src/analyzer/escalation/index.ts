/** The access graph and privilege-escalation analysis (issue 17, "Access graph"). */
export { analyzeEscalation, buildAccessGraph } from './graph.js';
export type { AccessGraphOptions, EscalationAnalysis } from './graph.js';
export { principalsOf } from './principals.js';
export type { EscalationPrincipal, UserInput } from './principals.js';
export { principalEdges, CREDENTIAL_EDGES } from './edges.js';
export type { EdgeOptions, PrincipalEdge, PrincipalEdgeKind } from './edges.js';
export { ESCALATION_CODE, escalationPathFindings, escalationTargets } from './paths.js';
export type { EscalationReason, EscalationTarget, PathOptions } from './paths.js';
export { isAdministrator } from './admin.js';

import type { Finding } from '../findings.js';
import type { AnalysisData } from '../data.js';
import { analyzeEscalation } from './graph.js';
import type { AccessGraphOptions } from './graph.js';

/**
 * The `escalation` check family: one `PRIVILEGE_ESCALATION_PATH` finding per principal with a path.
 *
 * @example
 * escalationFindings(data).map((f) => f.message);
 */
export function escalationFindings(data: AnalysisData, options: AccessGraphOptions = {}): Finding[] {
  return analyzeEscalation(data, options).findings;
}
