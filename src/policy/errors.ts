/**
 * The one error the policy parser throws: AWS answers every unusable policy document with
 * `MalformedPolicyDocument` (HTTP 400), whatever the API (`PutRolePolicy`, `CreatePolicy`,
 * `AssumeRole` with a session policy, ...).
 */
import { AwsError } from '../errors.js';
import type { SourceLocation } from './ast.js';

/**
 * A policy document that cannot be used. `issueCode` is a stable UPPER_SNAKE name for the problem
 * (the same vocabulary `validatePolicy` uses for its findings), `detail` the message without its
 * location, and `loc` where in the document the problem sits.
 *
 * @example
 * try { parsePolicy(text) } catch (e) {
 *   if (e instanceof MalformedPolicyDocumentError) console.log(e.issueCode, e.loc.start?.line);
 * }
 */
export class MalformedPolicyDocumentError extends AwsError {
  readonly issueCode: string;
  readonly detail: string;
  readonly loc: SourceLocation;

  constructor(issueCode: string, detail: string, loc: SourceLocation, options: { cause?: unknown } = {}) {
    super('MalformedPolicyDocument', `${detail} (${formatLocation(loc)})`, {
      status: 400,
      cause: options.cause,
    });
    this.issueCode = issueCode;
    this.detail = detail;
    this.loc = loc;
  }
}

/**
 * `Statement[1], line 7, column 5` — the path (or `document` at the root) followed by the position
 * when the document was given as text.
 */
export function formatLocation(loc: SourceLocation): string {
  const where = loc.path === '' ? 'document' : loc.path;
  return loc.start === undefined ? where : `${where}, line ${loc.start.line}, column ${loc.start.column}`;
}
