/**
 * The console's JSON API, as the browser sees it: every path under `/credplane/console/api/` and the
 * shape of what it answers. The server (`console/server.ts`, `console/api/*`) and the front-end
 * (`console-ui/`) both import these types, so a change of shape is a compile error on both sides.
 *
 * Every answer is JSON (`application/json; charset=utf-8`) except the event stream
 * (`text/event-stream`). Errors are `{ "error": { "code", "message" } }` with the HTTP status of the
 * AWS error the code names (`AccessDenied` 403, `NotAuthenticated` 401, `InvalidCsrfToken` 403,
 * `NoSuchEntity` 404, `ValidationError` 400, `ServiceUnavailable` 503).
 *
 * Authentication (docs/console.md):
 * - `GET /credplane/console/login?token=<one-time token>` (the URL `credplane up` prints) spends the
 *   token, sets the session cookie and redirects (303) to `/credplane/console/`, so the token never
 *   stays in the address bar or the history;
 * - `POST api/login` with `{ accessKeyId, secretAccessKey }` signs in as that key's principal.
 * The session cookie is `HttpOnly; SameSite=Strict; Path=/credplane/console`. Every request that
 * changes something (every POST except `api/login`) must carry the session's CSRF token in the
 * `X-CSRF-Token` header.
 *
 * Authorization: the console acts as its principal. Each endpoint is authorized as the IAM API calls
 * it stands for (listed per endpoint below), by the same engine and policies as those calls, so a
 * principal allowed only `iam:Get*`/`iam:List*` sees every screen and can change nothing.
 */
import type { Finding } from '../analyzer/findings.js';
import type { JsonValue, WorkloadKind } from '../iam/types.js';

/** The API's root, under the control plane's port. */
export const CONSOLE_PREFIX = '/credplane/console/';
export const CONSOLE_API_PREFIX = '/credplane/console/api/';
/** The header that carries the CSRF token on every change. */
export const CSRF_HEADER = 'x-csrf-token';

export interface ConsoleError {
  error: { code: string; message: string };
}

/** Who the console acts as. */
export interface ConsolePrincipal {
  arn: string;
  accountId: string;
  /** `user` for an access key or the login token (the admin user), `role` for an assumed role. */
  type: 'user' | 'role';
  name: string;
}

/**
 * `GET api/session` (no authorization beyond a valid session; 401 `NotAuthenticated` without one),
 * `POST api/login` (answers the same shape), `POST api/logout` (204).
 */
export interface SessionInfo {
  principal: ConsolePrincipal;
  csrfToken: string;
  /** What the principal may do, decided by the engine, so the UI can hide what would be refused. */
  can: {
    /** `iam:PutRolePolicy` and `iam:DeleteRolePolicy` (and `iam:AttachRolePolicy`/`DetachRolePolicy` where managed policies change), on `*`. */
    changeRolePolicies: boolean;
    /** May run the SSRF lab: the same actions as `ec2:RunInstances` with `iam:PassRole`. */
    runLab: boolean;
  };
}

/** The body of `POST api/login`; `sessionToken` with temporary (`ASIA…`) credentials. */
export interface LoginRequest {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type Channel = 'instance' | 'task' | 'function' | 'pod';

/**
 * One workload, in the overview (`GET api/overview`: `iam:ListRoles`; EC2 instances only for a
 * principal allowed `ec2:DescribeInstances`, left out otherwise).
 */
export interface WorkloadRow {
  kind: WorkloadKind;
  channel: Channel;
  name: string;
  /** e.g. the instance id, task ARN, function name, `namespace/serviceaccount`. */
  id: string;
  roleName?: string;
  roleArn?: string;
  /** The last credential delivery to this workload (ISO 8601), from the access log. */
  lastDelivery?: string;
  /** How many posture findings are about this workload or its role. */
  findingCount: number;
  /** Highest severity among those findings. */
  worstSeverity?: Finding['severity'];
}

export interface RoleSummary {
  name: string;
  arn: string;
  /** How many workloads use the role; more than one breaks the one-role-per-workload rule. */
  workloadCount: number;
  findingCount: number;
  lastUsed?: string;
}

export interface Overview {
  account: string;
  workloads: WorkloadRow[];
  roles: RoleSummary[];
  /** Posture findings of the account (analyzer `posture` family). */
  findings: Finding[];
  /** Credential deliveries per channel per hour for the last 24 hours, oldest first. */
  deliveries: { hours: string[]; byChannel: { [channel: string]: number[] } };
}

/** One policy attached to a role, with the validator's findings located in its text. */
export interface PolicyView {
  kind: 'inline' | 'managed' | 'boundary' | 'trust';
  /** Inline policy name, or the managed policy's ARN. */
  name: string;
  /** The document pretty-printed with 2 spaces; finding locations (line/column) refer to this text. */
  text: string;
  findings: Finding[];
}

/** Access-Advisor-style last access, per service and per action/resource. */
export interface ServiceLastAccessed {
  /** The service prefix, e.g. `s3`. */
  service: string;
  lastAccessed?: string;
  actions: { action: string; resource: string; lastAccessed: string; allowed: number; denied: number }[];
  /** Actions the role's policies grant in this service that the log never saw (when known). */
  unusedActions?: string[];
}

/** `GET api/roles/<name>`: `iam:GetRole`, `iam:ListRolePolicies`, `iam:GetRolePolicy`, `iam:ListAttachedRolePolicies`. */
export interface RolePage {
  name: string;
  arn: string;
  description?: string;
  createDate: string;
  maxSessionDuration: number;
  tags: { key: string; value: string }[];
  policies: PolicyView[];
  workloads: WorkloadRow[];
  lastAccessed: ServiceLastAccessed[];
  /** Every finding about the role (posture, unused, policy). */
  findings: Finding[];
  /** Decisions per hour for the last 24 hours, for the timeline. */
  decisions: { hours: string[]; allow: number[]; deny: number[] };
}

export type GraphNodeKind = 'workload' | 'role' | 'user' | 'service' | 'action' | 'resource';

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  label: string;
  /** For roles: the console path of the role page. */
  href?: string;
}

/**
 * The kind of an edge of the access graph. `uses`: a workload runs as the role; `grants`:
 * role → service/action/resource; `assume`: `sts:AssumeRole` allowed by both the source's identity
 * policies and the target's trust policy; `pass-role`: `iam:PassRole` of the target plus permission
 * to run code with it (Lambda `CreateFunction`, ECS `RunTask`, EC2 `RunInstances`); the rest are
 * privilege-escalation edges, named for the action that makes them.
 */
export type GraphEdgeKind =
  | 'uses'
  | 'grants'
  | 'assume'
  | 'pass-role'
  | 'put-role-policy'
  | 'attach-role-policy'
  | 'create-policy-version'
  | 'update-assume-role-policy'
  | 'create-access-key';

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: GraphEdgeKind;
  /** The IAM actions the engine allowed for this edge, and the statements that allowed them. */
  actions: string[];
  because?: string;
}

/** `GET api/graph`: `iam:ListRoles` plus `iam:GetRole` on every role shown. */
export interface AccessGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Escalation paths found (the same findings as `credplane analyze --checks escalation`). */
  escalations: Finding[];
}

/** One access-log event, as the activity screen lists it. */
export interface ActivityEvent {
  eventId: string;
  eventTime: string;
  channel: string;
  eventSource: string;
  eventName: string;
  principalArn?: string;
  roleName?: string;
  decision: 'allow' | 'deny' | 'audit-deny';
  errorCode?: string;
  sourceIPAddress?: string;
}

/**
 * `GET api/events?principal=&service=&action=&decision=&limit=&before=` (newest first) and the
 * stream `GET api/events/stream` (server-sent events, `event: access`, `data: ActivityEvent`, plus
 * a `: keep-alive` comment every 15 s): the same authorization as `credplane logs`, i.e.
 * `cloudtrail:LookupEvents`.
 */
export interface ActivityPage {
  events: ActivityEvent[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: string;
}

/** `GET api/events/<eventId>`: the event's record and, for a denial, the explanation. */
export interface ActivityDetail {
  event: ActivityEvent;
  /** The CloudTrail-format record, secrets already redacted. */
  record: JsonValue;
  /** The decoded authorization message (as `sts:DecodeAuthorizationMessage` gives it). */
  explanation?: JsonValue;
}

/**
 * `GET api/roles/<name>/least-privilege` (the reads of `GET api/roles/<name>`): the generated policy
 * beside the current ones.
 */
export interface LeastPrivilegeView {
  roleName: string;
  /** The role's current identity policies as one JSON text per policy. */
  current: { name: string; text: string }[];
  /** The generated replacement; absent when the log has nothing to generate from. */
  generated?: { name: string; text: string };
  /** A unified diff of current → generated, for display. */
  diff: string;
  /** Actions the role is granted today that the generated policy would no longer grant. */
  removed: string[];
  /** Earlier applies that can be rolled back, newest first. */
  snapshots: { snapshotId: string; createdAt: string; reason: string }[];
}

/**
 * `POST api/roles/<name>/least-privilege/apply` (`iam:PutRolePolicy`, `iam:DeleteRolePolicy`,
 * `iam:DetachRolePolicy` on the role) and `POST api/roles/<name>/least-privilege/rollback` with
 * `{ snapshotId }` (the same actions plus `iam:AttachRolePolicy`): the changes made, as
 * `credplane policy tighten --apply` and `policy rollback` print them.
 */
export interface ChangeResult {
  roleName: string;
  snapshotId?: string;
  changes: string[];
}

/** `POST api/lab/ssrf` (`ec2:RunInstances` and `iam:PassRole`): runs the SSRF lab's scenarios. */
export interface LabRun {
  ok: boolean;
  scenarios: {
    name: string;
    /** What the attacker got, e.g. `credentials for role credplane-web`, or `nothing (401)`. */
    attackerGot: string;
    /** True when the defence held as the lab expects. */
    passed: boolean;
    details?: JsonValue;
  }[];
}
