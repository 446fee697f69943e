/**
 * A policy simulator over the real stored policies (IAM's SimulatePrincipalPolicy, done with the
 * request path's own machinery): the role's identity policies, permissions boundary and revocation
 * Deny come from the control plane's `AuthorizationView`, the request context from `requestContext`, the
 * decision from `decide` — so the answer is the one a real session of the role would get.
 *
 * Beyond IAM's simulator it answers for trust policies: with a principal (`aws`, `service`,
 * `web-identity`) and an `sts:AssumeRole*` action, the role's trust policy is evaluated as the
 * resource policy exactly as STS, the workload channels and `AssumeRoleWithWebIdentity` do.
 */
import { findAwsManagedPolicy } from '../../catalog/aws-managed-policies.js';
import type { AuthenticatedCaller } from '../../control/authenticate.js';
import { decide } from '../../control/authorize.js';
import { PolicyCache } from '../../control/policy-cache.js';
import { AuthorizationView, type RoleAuthz } from '../../control/authorization-view.js';
import type { SessionClaims } from '../../crypto/index.js';
import { ValidationError } from '../../errors.js';
import { oidcProviderUrl, parseIamArn, splitArn } from '../../iam/arn.js';
import { NoSuchEntityError } from '../../iam/errors.js';
import {
  accessDeniedMessage,
  createRequestContext,
  evaluate,
  principalContextKeys,
  type CompiledPolicy,
  type ContextInput,
  type Decision,
  type RequestPrincipal,
} from '../../policy/index.js';
import type { Store } from '../../store/store.js';

/** Who asks to assume the role, for trust-policy simulation. */
export type TrustPrincipal =
  | { kind: 'aws'; arn: string }
  | { kind: 'service'; service: string }
  /** An IAM OIDC provider ARN, or the issuer URL (`https://host/path` or `host/path`). */
  | { kind: 'web-identity'; provider: string };

export interface SimulateRequest {
  roleName: string;
  actions: readonly string[];
  /** `*` by default; the role's ARN for trust simulation. */
  resource?: string;
  /** Extra condition keys; several values make a multivalued key. */
  context?: Readonly<Record<string, readonly string[]>>;
  /** A session policy (JSON text), as `AssumeRole`'s `Policy`. */
  sessionPolicy?: string;
  /** A resource-based policy (JSON text) for the resource, as IAM's simulator's `ResourcePolicy`. */
  resourcePolicy?: string;
  /** Evaluate the role's trust policy for this principal instead of the role's permissions. */
  principal?: TrustPrincipal;
}

/** IAM's simulator vocabulary (`EvalDecision`). */
export type EvalDecision = 'allowed' | 'implicitDeny' | 'explicitDeny';

export interface SimulationResult {
  action: string;
  resource: string;
  mode: 'permissions' | 'trust';
  /** The caller, as an ARN or service principal. */
  caller: string;
  evalDecision: EvalDecision;
  decision: Decision;
  /** AWS's AccessDenied message for a denial. */
  message?: string;
  /** Every policy that took part, in evaluation order. */
  policies: { kind: string; name: string; id: string }[];
  notes: string[];
}

export const SIMULATED_SESSION_NAME = 'credplane-simulate';

const EVAL: Record<Decision['decision'], EvalDecision> = {
  Allow: 'allowed',
  ImplicitDeny: 'implicitDeny',
  ExplicitDeny: 'explicitDeny',
};

/**
 * A `AuthorizationView` over a store for one-off reads (no change subscription, no admin keys).
 *
 * @example
 * const snapshot = simulationSnapshot(store);
 */
export function simulationSnapshot(store: Store): { snapshot: AuthorizationView; policies: PolicyCache } {
  const policies = new PolicyCache();
  const snapshot = new AuthorizationView({
    store,
    policies,
    awsManaged: (arn) => findAwsManagedPolicy(arn),
  });
  return { snapshot, policies };
}

export interface SimulateEnv {
  store: Store;
  snapshot: AuthorizationView;
  policies: PolicyCache;
  accountId: string;
  region?: string;
  now?: () => Date;
}

/**
 * Simulates each action of `request` and explains each decision.
 *
 * @example
 * const { snapshot, policies } = simulationSnapshot(store);
 * const [r] = await simulate({ store, snapshot, policies, accountId }, { roleName: 'web', actions: ['s3:GetObject'], resource: 'arn:aws:s3:::docs/a' });
 * r.evalDecision; // 'allowed'
 */
export async function simulate(env: SimulateEnv, request: SimulateRequest): Promise<SimulationResult[]> {
  const role = await env.snapshot.role(env.accountId, request.roleName);
  if (role === undefined) {
    throw new NoSuchEntityError(`The role with name ${request.roleName} cannot be found.`);
  }
  if (request.actions.length === 0) throw new ValidationError('Give at least one action to simulate.');
  const extra = contextInputs(request.context);
  const resourcePolicy =
    request.resourcePolicy === undefined
      ? undefined
      : env.policies.compile(request.resourcePolicy, {
          id: 'simulated-resource-policy',
          name: 'resource policy (given)',
          kind: 'resource',
        });
  const results: SimulationResult[] = [];
  for (const action of request.actions) {
    if (request.principal !== undefined) {
      results.push(await simulateTrust(env, role, action, request, extra));
    } else {
      results.push(simulatePermissions(env, role, action, request, extra, resourcePolicy));
    }
  }
  return results;
}

function contextInputs(context: SimulateRequest['context']): Record<string, ContextInput> {
  const out: Record<string, ContextInput> = {};
  for (const [key, values] of Object.entries(context ?? {})) {
    out[key] = values.length === 1 ? values[0]! : [...values];
  }
  return out;
}

/** A session of the role issued now, with the role's identity, boundary and the given session policy. */
function roleSession(
  env: SimulateEnv,
  role: RoleAuthz,
  service: string,
  sessionPolicy: string | undefined,
): AuthenticatedCaller {
  const now = (env.now ?? (() => new Date()))();
  const issuedAt = Math.floor(now.getTime() / 1000);
  const r = role.role;
  const partition = splitArn(r.arn)?.partition ?? 'aws';
  const claims: SessionClaims = {
    accountId: r.accountId,
    roleArn: r.arn,
    roleId: r.roleId,
    roleName: r.roleName,
    roleSessionName: SIMULATED_SESSION_NAME,
    issuedAt,
    expiresAt: issuedAt + 3600,
    ...(sessionPolicy === undefined ? {} : { sessionPolicy }),
  };
  const arn = `arn:${partition}:sts::${r.accountId}:assumed-role/${r.roleName}/${SIMULATED_SESSION_NAME}`;
  const userId = `${r.roleId}:${SIMULATED_SESSION_NAME}`;
  const session: CompiledPolicy[] | undefined =
    sessionPolicy === undefined
      ? undefined
      : [
          env.policies.compile(sessionPolicy, {
            id: 'session-policy',
            name: 'session policy',
            kind: 'session',
          }),
        ];
  return {
    caller: {
      kind: 'AssumedRole',
      accountId: r.accountId,
      arn,
      userId,
      principalArn: r.arn,
      accessKeyId: 'ASIASIMULATEDSESSION',
      session: claims,
    },
    principal: { type: 'AssumedRole', arn, account: r.accountId, roleArn: r.arn, roleId: r.roleId, userId },
    policies: {
      identity: role.identity,
      ...(role.boundary === undefined ? {} : { boundary: role.boundary }),
      ...(session === undefined ? {} : { session }),
    },
    role,
    region: env.region ?? 'us-east-1',
    service,
    sourceIp: '127.0.0.1',
    requestTime: now,
  };
}

function serviceOf(action: string): string {
  const colon = action.indexOf(':');
  return colon < 0 ? action : action.slice(0, colon);
}

function simulatePermissions(
  env: SimulateEnv,
  role: RoleAuthz,
  action: string,
  request: SimulateRequest,
  extra: Record<string, ContextInput>,
  resourcePolicy: CompiledPolicy | undefined,
): SimulationResult {
  const auth = roleSession(env, role, serviceOf(action), request.sessionPolicy);
  const resource = request.resource ?? '*';
  const decision = decide(auth, {
    action,
    resource,
    extra,
    ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
  });
  const notes: string[] = [];
  if (role.revokedBefore !== undefined) {
    notes.push(
      `sessions issued before ${role.revokedBefore.toISOString()} are revoked; the simulated session is issued now`,
    );
  }
  return result(
    action,
    resource,
    'permissions',
    auth.principal,
    decision,
    listPolicies(auth.policies, resourcePolicy),
    notes,
  );
}

async function simulateTrust(
  env: SimulateEnv,
  role: RoleAuthz,
  action: string,
  request: SimulateRequest,
  extra: Record<string, ContextInput>,
): Promise<SimulationResult> {
  const principal = request.principal!;
  const resource = request.resource ?? role.role.arn;
  const notes: string[] = [];
  if (
    !/^sts:(AssumeRole|AssumeRoleWithWebIdentity|AssumeRoleWithSAML|TagSession|SetSourceIdentity)$/i.test(
      action,
    )
  ) {
    notes.push(`${action} is not an action a trust policy decides; evaluated against it anyway`);
  }
  const now = (env.now ?? (() => new Date()))();
  const times = { 'aws:CurrentTime': now, 'aws:EpochTime': Math.floor(now.getTime() / 1000) };
  const trustOnly = { resource: role.trust };

  if (principal.kind === 'service') {
    // As the workload channels assume a role for EC2, ECS tasks and Lambda (delivery/workload-issuer.ts).
    const caller: RequestPrincipal = { type: 'Service', service: principal.service };
    const context = createRequestContext(
      {
        'aws:PrincipalServiceName': principal.service,
        'aws:PrincipalIsAWSService': 'true',
        'aws:SourceAccount': env.accountId,
        ...times,
      },
      extra,
    );
    const decision = evaluate(
      { principal: caller, action, resource, resourceAccount: role.role.accountId, context },
      trustOnly,
    );
    return result(action, resource, 'trust', caller, decision, listPolicies(trustOnly), notes);
  }

  if (principal.kind === 'web-identity') {
    // As AssumeRoleWithWebIdentity evaluates it once the token verified (sts/assume-role-with-web-identity.ts).
    const providerArn = await resolveProvider(env, principal.provider, notes);
    const caller: RequestPrincipal = { type: 'WebIdentity', federatedProvider: providerArn };
    const context = createRequestContext(
      { 'aws:FederatedProvider': providerArn, 'sts:RoleSessionName': SIMULATED_SESSION_NAME, ...times },
      extra,
    );
    const decision = evaluate(
      { principal: caller, action, resource, resourceAccount: role.role.accountId, context },
      trustOnly,
    );
    return result(action, resource, 'trust', caller, decision, listPolicies(trustOnly), notes);
  }

  // An IAM principal: a role (or role session) of this account is simulated with its real
  // policies, as STS's AssumeRole authorizes it (trust policy + the caller's identity side).
  const parsed = parseIamArn(principal.arn);
  if (parsed.kind === 'role' || parsed.kind === 'assumed-role') {
    const callerRole =
      parsed.accountId === env.accountId
        ? await env.snapshot.role(parsed.accountId, parsed.roleName)
        : undefined;
    if (callerRole !== undefined) {
      const auth = roleSession(env, callerRole, 'sts', undefined);
      const decision = decide(auth, {
        action,
        resource,
        resourceAccount: role.role.accountId,
        resourcePolicy: role.trust,
        extra: { 'sts:RoleSessionName': SIMULATED_SESSION_NAME, ...extra },
      });
      return result(
        action,
        resource,
        'trust',
        auth.principal,
        decision,
        listPolicies(auth.policies, role.trust),
        notes,
      );
    }
  }
  const caller = iamPrincipal(parsed);
  const context = createRequestContext(
    principalContextKeys(caller),
    { 'sts:RoleSessionName': SIMULATED_SESSION_NAME, ...times },
    extra,
  );
  const decision = evaluate(
    { principal: caller, action, resource, resourceAccount: role.role.accountId, context },
    trustOnly,
  );
  notes.push(
    `the identity-based policies of ${principal.arn} are not known to credplane: shown is the trust policy's answer; ` +
      `AWS also requires the caller's own policies to allow ${action}`,
  );
  return result(action, resource, 'trust', caller, trustVerdict(decision), listPolicies(trustOnly), notes);
}

/** The trust policy's own answer when the caller's identity side cannot be evaluated. */
function trustVerdict(decision: Decision): Decision {
  if (decision.decision !== 'ImplicitDeny') return decision;
  const missing = decision.explanation.missing.filter((m) => m.kind === 'resource');
  if (missing.length > 0)
    return { decision: 'ImplicitDeny', explanation: { ...decision.explanation, missing } };
  const deciding = decision.explanation.matched.filter((m) => m.effect === 'Allow');
  return { decision: 'Allow', explanation: { ...decision.explanation, deciding, missing: [] } };
}

function iamPrincipal(parsed: ReturnType<typeof parseIamArn>): RequestPrincipal {
  switch (parsed.kind) {
    case 'root':
      return {
        type: 'Root',
        arn: `arn:${parsed.partition}:iam::${parsed.accountId}:root`,
        account: parsed.accountId,
      };
    case 'user': {
      const path = parsed.path === '/' ? '' : parsed.path.slice(1);
      return {
        type: 'User',
        arn: `arn:${parsed.partition}:iam::${parsed.accountId}:user/${path}${parsed.userName}`,
        account: parsed.accountId,
        userName: parsed.userName,
      };
    }
    case 'role':
    case 'assumed-role': {
      const session = parsed.kind === 'assumed-role' ? parsed.roleSessionName : SIMULATED_SESSION_NAME;
      const roleArn =
        parsed.kind === 'role'
          ? `arn:${parsed.partition}:iam::${parsed.accountId}:role/${parsed.path === '/' ? '' : parsed.path.slice(1)}${parsed.roleName}`
          : `arn:${parsed.partition}:iam::${parsed.accountId}:role/${parsed.roleName}`;
      return {
        type: 'AssumedRole',
        arn: `arn:${parsed.partition}:sts::${parsed.accountId}:assumed-role/${parsed.roleName}/${session}`,
        account: parsed.accountId,
        roleArn,
      };
    }
    default:
      throw new ValidationError(
        `${parsed.kind} ARNs cannot assume a role: give a role, user, session or account ARN.`,
      );
  }
}

async function resolveProvider(env: SimulateEnv, provider: string, notes: string[]): Promise<string> {
  if (provider.startsWith('arn:')) return provider;
  const url = oidcProviderUrl(provider.includes('://') ? provider : `https://${provider}`);
  const known = (await env.store.listOidcProviders(env.accountId)).find(
    (p) => oidcProviderUrl(p.url) === url,
  );
  if (known !== undefined) return known.arn;
  const partition = env.store.partition;
  notes.push(
    `no IAM OIDC provider for ${url} in account ${env.accountId}: STS would refuse the token before the trust policy`,
  );
  return `arn:${partition}:iam::${env.accountId}:oidc-provider/${url}`;
}

function listPolicies(
  set: {
    identity?: readonly CompiledPolicy[];
    boundary?: CompiledPolicy;
    session?: readonly CompiledPolicy[];
    resource?: CompiledPolicy;
  },
  resource?: CompiledPolicy,
): SimulationResult['policies'] {
  const out: SimulationResult['policies'] = [];
  const add = (p: CompiledPolicy): void => {
    out.push({ kind: p.kind, name: p.name, id: p.id });
  };
  for (const p of set.identity ?? []) add(p);
  if (set.boundary !== undefined) add(set.boundary);
  for (const p of set.session ?? []) add(p);
  if (set.resource !== undefined) add(set.resource);
  if (resource !== undefined && resource !== set.resource) add(resource);
  return out;
}

function result(
  action: string,
  resource: string,
  mode: SimulationResult['mode'],
  principal: RequestPrincipal,
  decision: Decision,
  policies: SimulationResult['policies'],
  notes: string[],
): SimulationResult {
  const message = accessDeniedMessage({ principal, action, resource }, decision);
  return {
    action,
    resource,
    mode,
    caller: principal.arn ?? principal.service ?? principal.federatedProvider ?? 'anonymous',
    evalDecision: EVAL[decision.decision],
    decision,
    ...(message === undefined ? {} : { message }),
    policies,
    notes,
  };
}
