/**
 * The one error a stack template can end in: CloudFormation answers every unusable template with
 * `ValidationError` (HTTP 400), and so does credplane. Each problem names where it sits — the
 * logical id, the property path and the line/column in the template text — so that a user can go
 * straight to it:
 *
 *   Resources.AppRole.Properties.MaxSessionDuration (line 12, column 7): must be an integer
 */
import { AwsError, ValidationError } from '../errors.js';

/** 1-based line and column in the template text. */
export interface Position {
  line: number;
  column: number;
}

/** One problem in a template. */
export interface TemplateIssue {
  /** Dotted path from the template root: `Resources.AppRole.Properties.Policies[0].PolicyName`. */
  path: string;
  /** The resource (or parameter, output, condition) the problem belongs to, when there is one. */
  logicalId?: string;
  /** Where in the text, when the template was given as text. */
  position?: Position;
  /** What is wrong, without the location. */
  message: string;
}

/** `Resources.AppRole.Properties (line 3, column 5)`, or the path alone when the position is unknown. */
export function formatWhere(issue: Pick<TemplateIssue, 'path' | 'position'>): string {
  const where = issue.path === '' ? 'template' : issue.path;
  return issue.position === undefined
    ? where
    : `${where} (line ${issue.position.line}, column ${issue.position.column})`;
}

function formatIssue(issue: TemplateIssue): string {
  return `${formatWhere(issue)}: ${issue.message}`;
}

/**
 * A template that cannot be turned into a desired state. `issues` holds every problem found
 * (resources are all checked before giving up); the top-level fields repeat the first one.
 *
 * @example
 * try { loadTemplate(text, options) } catch (e) {
 *   if (e instanceof TemplateError) for (const i of e.issues) console.log(i.logicalId, i.path, i.position?.line);
 * }
 */
export class TemplateError extends ValidationError {
  readonly issues: readonly TemplateIssue[];
  readonly path: string;
  readonly logicalId: string | undefined;
  readonly position: Position | undefined;

  constructor(issues: readonly TemplateIssue[], options: { cause?: unknown } = {}) {
    const list = issues.length > 0 ? issues : [{ path: '', message: 'Template is not valid' }];
    const first = list[0] as TemplateIssue;
    const more =
      list.length > 1 ? ` (and ${list.length - 1} more: ${list.slice(1).map(formatIssue).join('; ')})` : '';
    super(`Template error: ${formatIssue(first)}${more}`, options);
    this.issues = list;
    this.path = first.path;
    this.logicalId = first.logicalId;
    this.position = first.position;
  }
}

/** Shorthand for a single-issue `TemplateError`. */
export function templateError(issue: TemplateIssue): TemplateError {
  return new TemplateError([issue]);
}

/**
 * Replaces every occurrence of the given secret values (NoEcho parameters) in an error's issues,
 * so that no message can carry them whatever code path built it.
 */
export function redactTemplateError(error: TemplateError, secrets: readonly string[]): TemplateError {
  const hidden = secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  if (hidden.length === 0) return error;
  const scrub = (text: string): string => hidden.reduce((acc, s) => acc.split(s).join('****'), text);
  return new TemplateError(
    error.issues.map((i) => ({ ...i, message: scrub(i.message), path: scrub(i.path) })),
    // The cause may quote the value too (a zod issue, a RegExp error): it is dropped on purpose.
  );
}

/**
 * A problem with one resource of a stack found while applying it: a policy document the policy
 * engine rejects (`MalformedPolicyDocument`), a reference that does not exist (`NoSuchEntity`), a
 * Store rule the change breaks. Carries the AWS error code and status of the underlying problem,
 * and says which resource and property it is about.
 *
 * @example
 * try { await applyTemplate(store, text, options) } catch (e) {
 *   if (e instanceof StackResourceError) console.log(e.code, e.logicalId, e.path);
 * }
 */
export class StackResourceError extends AwsError {
  readonly logicalId: string | undefined;
  /** `Resources.AppRole.Properties.Policies[0].PolicyDocument.Statement[0].Action`. */
  readonly path: string;

  constructor(
    code: string,
    where: { logicalId?: string; path: string; position?: Position },
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    // The position is the resource's (records keep no finer one), so it is labelled as such.
    const at = where.position
      ? ` (resource at line ${where.position.line}, column ${where.position.column})`
      : '';
    super(code, `${where.path}${at}: ${message}`, {
      status: options.status ?? 400,
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
    });
    this.logicalId = where.logicalId;
    this.path = where.path;
  }
}
