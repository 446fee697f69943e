/**
 * The access-log input for one request to the control plane's Query APIs (STS, IAM, EC2): what
 * was asked, by whom, what policy decided (the checks `authorize` recorded on the caller), and
 * how it ended (the response's error code, or its result as `responseElements`).
 */
import type { AuthenticatedCaller } from '../control/authenticate.js';
import { splitArn } from '../iam/arn.js';
import type { JsonValue } from '../iam/types.js';
import type { ApiRequest } from '../http/types.js';
import type { QueryOutcome } from '../protocol/xml.js';
import { queryRequestParameters, queryResultElements } from './query-wire.js';
import { buildAccessEvent } from './record.js';
import type { AccessChannel, AccessLogSink, AccessRecordInput } from './types.js';

export interface QueryApiCall {
  channel: Extract<AccessChannel, 'sts' | 'iam' | 'ec2' | 'web-identity'>;
  /** The signing name: `sts`, `iam`, `ec2`. */
  service: string;
  action: string;
  request: ApiRequest;
  /** The request's Query parameters as the handler read them, every pair in arrival order. */
  parameters: readonly (readonly [string, string])[];
  /** The verified caller; absent for unsigned `AssumeRoleWithWebIdentity`. */
  auth?: AuthenticatedCaller;
  /** The response's status and what it said (its result members or error), as the handler built it. */
  response: { status: number; outcome: QueryOutcome };
  /** The region when there is no signature to take it from. */
  region: string;
  /** The account when there is no caller (the role's account for web identity). */
  accountId?: string;
  roleName?: string;
  roleArn?: string;
  webIdentity?: AccessRecordInput['webIdentity'];
  eventTime: Date;
  suppressedUnauthenticated?: number;
}

/** Error codes that mean "policy said no", whatever the operation's other failures. */
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

/** `AWS::IAM::Role` and friends for the ARNs the checks were made on. */
function resourceType(text: string): string | undefined {
  const arn = splitArn(text);
  const kind = arn === undefined || arn.partition === '' ? undefined : /^([a-z-]+)\//.exec(arn.resource)?.[1];
  if (arn === undefined || kind === undefined || arn.service === '') return undefined;
  const service = arn.service;
  const types: Record<string, Record<string, string>> = {
    iam: {
      role: 'AWS::IAM::Role',
      user: 'AWS::IAM::User',
      policy: 'AWS::IAM::Policy',
      'instance-profile': 'AWS::IAM::InstanceProfile',
      'oidc-provider': 'AWS::IAM::OIDCProvider',
    },
    ec2: { instance: 'AWS::EC2::Instance' },
  };
  return types[service]?.[kind];
}

function accountOf(arn: string): string | undefined {
  const account = splitArn(arn)?.accountId;
  return account === undefined || account === '' ? undefined : account;
}

/** Account and name of a well-formed role ARN. */
function roleOfArn(
  arn: string | undefined,
): { accountId: string; roleName: string; roleArn: string } | undefined {
  const parts = arn === undefined ? undefined : splitArn(arn);
  if (parts === undefined || parts.partition === '' || parts.service !== 'iam' || parts.region !== '') {
    return undefined;
  }
  const roleName = /^role\/(?:.*\/)?([^/]+)$/.exec(parts.resource)?.[1];
  if (!/^\d{12}$/.test(parts.accountId) || roleName === undefined) return undefined;
  return { accountId: parts.accountId, roleName, roleArn: arn! };
}

/** The operation's own parameters: presigning's `X-Amz-*` ones are not. */
function parametersOf(call: QueryApiCall): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of call.parameters) if (!/^X-Amz-/i.test(name)) out.push([name, value]);
  return out;
}

/** Only writes carry `responseElements`, as in CloudTrail (plus the STS calls that issue credentials). */
function recordsResponse(action: string): boolean {
  return !/^(Get|List|Describe|Decode|Simulate)/.test(action) || action === 'GetSessionToken';
}

/**
 * @example
 * await accessLog.commit(buildAccessEvent(queryApiRecord({ channel: 'iam', service: 'iam', action, request, auth, response, region, eventTime })));
 */
export function queryApiRecord(call: QueryApiCall): AccessRecordInput | undefined {
  const { auth, request, response } = call;
  const pairs = parametersOf(call);
  // Unsigned (web identity): the event belongs to the role's account, named by `RoleArn`.
  const target = auth === undefined ? roleOfArn(pairs.find(([name]) => name === 'RoleArn')?.[1]) : undefined;
  const accountId = call.accountId ?? target?.accountId;
  if (auth === undefined && accountId === undefined) return undefined;
  const error = response.status >= 400 ? response.outcome.error : undefined;
  const decisions = auth?.decisions ?? [];
  const denied =
    (error !== undefined && DENIED.has(error.code)) || decisions.some((d) => d.decision.decision !== 'Allow');
  const responseElements =
    error === undefined && recordsResponse(call.action) && response.outcome.result !== undefined
      ? queryResultElements(response.outcome.result)
      : undefined;
  const resources = [
    ...new Set(decisions.map((d) => d.resource).filter((r) => r.startsWith('arn:') && !r.includes('*'))),
  ].map((arn) => {
    const type = resourceType(arn);
    const accountId = accountOf(arn);
    return {
      ARN: arn,
      ...(type === undefined ? {} : { type }),
      ...(accountId === undefined ? {} : { accountId }),
    };
  });
  const requestParameters: { [key: string]: JsonValue } = queryRequestParameters(pairs);
  const sourceIp = request.remoteAddress.startsWith('::ffff:')
    ? request.remoteAddress.slice(7)
    : request.remoteAddress;
  const userAgent = request.headers['user-agent'];
  return {
    channel: call.channel,
    eventTime: call.eventTime,
    eventSource: `${call.service}.amazonaws.com`,
    eventName: call.action,
    awsRegion: auth?.region ?? call.region,
    sourceIPAddress: auth?.sourceIp ?? sourceIp,
    ...(typeof userAgent === 'string' ? { userAgent } : {}),
    ...(auth === undefined ? {} : { caller: auth }),
    ...(accountId === undefined ? {} : { accountId }),
    ...((call.roleName ?? target?.roleName) === undefined
      ? {}
      : { roleName: (call.roleName ?? target?.roleName)! }),
    ...((call.roleArn ?? target?.roleArn) === undefined
      ? {}
      : { roleArn: (call.roleArn ?? target?.roleArn)! }),
    ...(call.webIdentity === undefined ? {} : { webIdentity: call.webIdentity }),
    requestParameters,
    ...(responseElements === undefined ? {} : { responseElements }),
    ...(error === undefined ? {} : { errorCode: error.code, errorMessage: error.message }),
    ...(resources.length === 0 ? {} : { resources }),
    requestId: request.requestId,
    decision: denied ? 'deny' : 'allow',
    ...(decisions.length === 0 ? {} : { decisions: [...decisions] }),
    ...(call.suppressedUnauthenticated ? { suppressedUnauthenticated: call.suppressedUnauthenticated } : {}),
  };
}

/**
 * Builds and commits the event for one Query API call; `false` when the log could not take it,
 * and the caller must then refuse the request. Calls no account can be named for (an unsigned
 * request with a malformed `RoleArn`) are not logged.
 *
 * @example
 * if (!(await logQueryApiCall(accessLog, call))) response = serviceUnavailable();
 */
export async function logQueryApiCall(sink: AccessLogSink, call: QueryApiCall): Promise<boolean> {
  const input = queryApiRecord(call);
  return input === undefined || sink.commit(buildAccessEvent(input));
}
