/**
 * The IAM policy simulator API: SimulatePrincipalPolicy, SimulateCustomPolicy,
 * GetContextKeysForPrincipalPolicy, GetContextKeysForCustomPolicy — served by the same policy
 * engine that authorizes every request (`simulate-policies.ts`).
 *
 * `PolicySourceArn` names a user, a group or a role. A role's or user's policies are the ones its
 * requests are authorized with (`control/authorization-view.ts`): inline, attached managed (for a
 * user, its groups' too), and the permissions boundary. A group's are its inline and attached
 * policies (a group has no boundary).
 *
 * The ARN must be the entity's own, path and name as stored: `iam:SimulatePrincipalPolicy` is
 * authorized on the ARN the caller gave, so an ARN with another path (or another case) naming the
 * same entity would let a caller allowed on `group/public/*` read a group under `/teams/`. Such an
 * ARN is `NoSuchEntity`, as for an entity that does not exist.
 *
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html
 */
import { simulationSnapshot } from '../analyzer/simulate/simulate.js';
import type { OperationContext } from '../control/operation.js';
import { parseGroupArn, parseIamArn, type IamArn } from '../iam/arn.js';
import { InvalidInputError, NoSuchEntityError } from '../iam/errors.js';
import {
  MalformedPolicyDocumentError,
  compilePolicyStrict,
  type CompiledPolicy,
  type PolicyType,
  type RequestPrincipal,
} from '../policy/index.js';
import type { XmlNode } from '../protocol/xml.js';
import type { IamOperation } from './operation.js';
import { IamParams, TEXT_RULES, checkText } from './params.js';

/** `ResourceNameType` of the IAM model. */
const ARN_TEXT = { min: 1, max: 2048 };
import {
  contextKeysOf,
  simulatePolicies,
  type SimulatedPolicy,
  type SimulationSetup,
} from './simulate-policies.js';
import { readActionNames, readContextEntries, readPolicyList, readResourceArns } from './simulation-input.js';

const RESOURCE_HANDLING = [
  'EC2-VPC-InstanceStore',
  'EC2-VPC-InstanceStore-Subnet',
  'EC2-VPC-EBS',
  'EC2-VPC-EBS-Subnet',
] as const;

/** Compiles `PolicyInputList.N`-style documents; a document that is not a valid policy is `InvalidInput`. */
function compileInputs(
  texts: readonly string[],
  listName: string,
  kind: PolicyType,
  sourceType: SimulatedPolicy['sourceType'],
): SimulatedPolicy[] {
  return texts.map((text, i) => {
    const sourceId = `${listName}.${i + 1}`;
    try {
      const policy = compilePolicyStrict(text, { id: sourceId, name: sourceId, kind });
      return { policy, sourceId, sourceType };
    } catch (e) {
      if (e instanceof MalformedPolicyDocumentError) {
        throw new InvalidInputError(`${sourceId} is not a valid policy: ${e.message}`);
      }
      throw e;
    }
  });
}

function parseArnOrInvalid(text: string, what: string): IamArn {
  try {
    return parseIamArn(text);
  } catch {
    throw new InvalidInputError(`Invalid ARN ${text} for ${what}.`);
  }
}

/** `CallerArn`: IAM accepts only an IAM user's ARN. */
function callerPrincipal(callerArn: string): RequestPrincipal {
  const parsed = parseArnOrInvalid(callerArn, 'CallerArn');
  if (parsed.kind !== 'user') {
    throw new InvalidInputError(`CallerArn must be the ARN of an IAM user; got ${callerArn}.`);
  }
  return { type: 'User', arn: callerArn, account: parsed.accountId, userName: parsed.userName };
}

/** IAM: "If you do not include this parameter, the number of items defaults to 100." */
const DEFAULT_MAX_ITEMS = 100;

/**
 * The most (result × matched statement) entries one page is allowed to hold. Each action's result
 * lists, per resource, every statement that matched, so one request within IAM's parameter limit
 * could otherwise ask for gigabytes. IAM documents that a page may hold fewer than `MaxItems`
 * results while `IsTruncated` says more follow.
 */
const PAGE_BUDGET = 50_000;

/**
 * Simulates the page of `actions` that `Marker`/`MaxItems` select (`Marker` is the index of the
 * next action), and only that page.
 */
function simulatePage(
  setup: SimulationSetup,
  actions: readonly string[],
  resources: readonly string[],
  marker: string | undefined,
  maxItems: number | undefined,
): XmlNode {
  let start = 0;
  if (marker !== undefined) {
    const decoded = /^sim-(\d{1,6})$/.exec(Buffer.from(marker, 'base64url').toString('latin1'));
    start = decoded === null ? -1 : Number(decoded[1]);
    if (start < 0 || start > actions.length) throw new InvalidInputError('Invalid Marker.');
  }
  const statements = [...setup.identity, setup.boundary, setup.resourcePolicy].reduce(
    (n, p) => n + (p?.policy.statements.length ?? 0),
    0,
  );
  const perAction = (resources.length + 1) * (statements + 1);
  if (perAction > PAGE_BUDGET) {
    throw new InvalidInputError(
      `Simulating one action against ${resources.length} resources and ${statements} policy statements is too large; give fewer resources or policies.`,
    );
  }
  const fits = Math.max(1, Math.floor(PAGE_BUDGET / perAction));
  const end = Math.min(actions.length, start + Math.min(maxItems ?? DEFAULT_MAX_ITEMS, fits));
  const truncated = end < actions.length;
  return {
    EvaluationResults: simulatePolicies(setup, actions.slice(start, end), resources),
    IsTruncated: truncated,
    Marker: truncated ? Buffer.from(`sim-${end}`, 'latin1').toString('base64url') : undefined,
  };
}

interface PrincipalPolicies {
  principal: RequestPrincipal;
  identity: SimulatedPolicy[];
  boundary?: SimulatedPolicy;
}

/** How the simulator names a stored policy: inline policies by their owner's kind, managed by whose. */
function describeStored(p: CompiledPolicy): SimulatedPolicy {
  const managed = p.id.startsWith('arn:');
  const owner = p.id.split('/', 1)[0];
  return {
    policy: p,
    sourceId: p.name,
    sourceType: managed
      ? p.id.split(':')[4] === 'aws'
        ? 'aws-managed'
        : 'user-managed'
      : owner === 'user' || owner === 'group'
        ? owner
        : 'role',
  };
}

/**
 * The stored policies of the user or role `PolicySourceArn` names (a user's include its groups'),
 * with how the simulator names each, as IAM simulates them (IAM API Reference,
 * SimulatePrincipalPolicy: "If you specify a user, the simulation also includes all policies that
 * are attached to any groups the user belongs to").
 */
async function principalPolicies(ctx: OperationContext, source: string): Promise<PrincipalPolicies> {
  if (/^arn:[^:]*:iam::[^:]*:group\//.test(source)) return groupPolicies(ctx, source);
  const parsed = parseArnOrInvalid(source, 'PolicySourceArn');
  if (parsed.kind === 'user') {
    const found =
      parsed.accountId === ctx.accountId
        ? await simulationSnapshot(ctx.store).snapshot.user(ctx.accountId, parsed.userName)
        : undefined;
    if (found === undefined || found.user.arn !== source) {
      throw new NoSuchEntityError(`The user with name ${parsed.userName} cannot be found.`);
    }
    const u = found.user;
    return {
      principal: { type: 'User', arn: u.arn, account: ctx.accountId, userId: u.userId, userName: u.userName },
      identity: found.identity.map(describeStored),
      ...(found.boundary === undefined ? {} : { boundary: describeStored(found.boundary) }),
    };
  }
  if (parsed.kind === 'role') {
    const role =
      parsed.accountId === ctx.accountId
        ? await simulationSnapshot(ctx.store).snapshot.role(ctx.accountId, parsed.roleName)
        : undefined;
    if (role === undefined || role.role.arn !== source) {
      throw new NoSuchEntityError(`The role with name ${parsed.roleName} cannot be found.`);
    }
    const r = role.role;
    return {
      principal: {
        type: 'AssumedRole',
        arn: `arn:${ctx.partition}:sts::${r.accountId}:assumed-role/${r.roleName}/SimulatePrincipalPolicy`,
        account: r.accountId,
        roleArn: r.arn,
        roleId: r.roleId,
      },
      identity: role.identity.map(describeStored),
      ...(role.boundary === undefined ? {} : { boundary: describeStored(role.boundary) }),
    };
  }
  throw new InvalidInputError(`PolicySourceArn must name a user, group or role; got ${source}.`);
}

/**
 * A group's inline and attached policies (IAM API Reference, SimulatePrincipalPolicy: "If you
 * specify a user, group, or role, the simulation includes all policies that are associated with
 * that entity"). A group never makes a request: the simulated caller is a principal of the group's
 * account named by the group's ARN, with no user name, so `${aws:username}` resolves to nothing.
 */
async function groupPolicies(ctx: OperationContext, source: string): Promise<PrincipalPolicies> {
  let parsed;
  try {
    parsed = parseGroupArn(source);
  } catch {
    throw new InvalidInputError(`Invalid ARN ${source} for PolicySourceArn.`);
  }
  const found =
    parsed.accountId === ctx.accountId
      ? await simulationSnapshot(ctx.store).snapshot.group(ctx.accountId, parsed.groupName)
      : undefined;
  if (found === undefined || found.group.arn !== source) {
    throw new NoSuchEntityError(`The group with name ${parsed.groupName} cannot be found.`);
  }
  return {
    principal: { type: 'User', arn: found.group.arn, account: ctx.accountId },
    identity: found.identity.map(describeStored),
  };
}

/** What both Simulate operations read besides the policies. */
function readScenario(input: IamParams, params: Parameters<IamOperation>[1]) {
  const actions = readActionNames(input);
  const resources = readResourceArns(input);
  const resourcePolicy = input.optional('ResourcePolicy', 'resourcePolicy', (v, f) =>
    checkText(v, f, TEXT_RULES.policyDocument),
  );
  const resourceOwner = input.optional('ResourceOwner', 'resourceOwner', (v, f) => checkText(v, f, ARN_TEXT));
  const callerArn = input.optional('CallerArn', 'callerArn', (v, f) => checkText(v, f, ARN_TEXT));
  input.enumeration('ResourceHandlingOption', 'resourceHandlingOption', RESOURCE_HANDLING);
  const context = readContextEntries(input, params);
  const paging = input.paging();
  return { actions, resources, resourcePolicy, resourceOwner, callerArn, context, paging };
}

function resourcePolicyOf(text: string | undefined): SimulatedPolicy | undefined {
  if (text === undefined) return undefined;
  return compileInputs([text], 'ResourcePolicy', 'resource', 'resource').map((p) => ({
    ...p,
    sourceId: 'ResourcePolicy',
  }))[0];
}

/** `ResourceOwner` is an account id, or an ARN whose account field is used (as IAM's model allows). */
function ownerAccount(owner: string | undefined, fallback: string): string {
  if (owner === undefined) return fallback;
  if (/^\d{12}$/.test(owner)) return owner;
  const account = owner.split(':')[4];
  if (account !== undefined && /^\d{12}$/.test(account)) return account;
  throw new InvalidInputError(`ResourceOwner must be an account id or an ARN that names one; got ${owner}.`);
}

const simulatePrincipalPolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const source = input.arn('PolicySourceArn', 'policySourceArn');
  const extra = readPolicyList(input, 'PolicyInputList', 'policyInputList');
  const boundaryInput = readPolicyList(
    input,
    'PermissionsBoundaryPolicyInputList',
    'permissionsBoundaryPolicyInputList',
  );
  const scenario = readScenario(input, params);
  input.done();
  ctx.authorize('iam:SimulatePrincipalPolicy', source);
  if (boundaryInput.length > 1)
    throw new InvalidInputError('Only one permissions boundary policy may be given.');
  const stored = await principalPolicies(ctx, source);
  const given = compileInputs(extra, 'PolicyInputList', 'identity', 'none');
  const boundary = compileInputs(boundaryInput, 'PermissionsBoundaryPolicyInputList', 'boundary', 'none')[0];
  const resourcePolicy = resourcePolicyOf(scenario.resourcePolicy);
  // IAM API Reference, CallerArn: it "defaults to the ARN of the user that you specify in
  // PolicySourceArn, if you specified a user", and "is required if you include a ResourcePolicy
  // and the PolicySourceArn is not the ARN for an IAM user".
  const sourceIsUser = stored.principal.type === 'User' && stored.principal.userName !== undefined;
  if (resourcePolicy !== undefined && scenario.callerArn === undefined && !sourceIsUser) {
    throw new InvalidInputError(
      'CallerArn is required with a ResourcePolicy when PolicySourceArn is not an IAM user.',
    );
  }
  const principal = scenario.callerArn === undefined ? stored.principal : callerPrincipal(scenario.callerArn);
  const setup: SimulationSetup = {
    principal,
    identity: [...stored.identity, ...given],
    ...((boundary ?? stored.boundary) === undefined ? {} : { boundary: boundary ?? stored.boundary }),
    ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
    resourceOwner: ownerAccount(scenario.resourceOwner, ctx.accountId),
    context: scenario.context,
  };
  return simulatePage(
    setup,
    scenario.actions,
    scenario.resources,
    scenario.paging.marker,
    scenario.paging.maxItems,
  );
};

const simulateCustomPolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  input.requireSent('PolicyInputList', 'policyInputList');
  const texts = readPolicyList(input, 'PolicyInputList', 'policyInputList');
  const boundaryInput = readPolicyList(
    input,
    'PermissionsBoundaryPolicyInputList',
    'permissionsBoundaryPolicyInputList',
  );
  const scenario = readScenario(input, params);
  input.done();
  ctx.authorize('iam:SimulateCustomPolicy', '*');
  if (boundaryInput.length > 1)
    throw new InvalidInputError('Only one permissions boundary policy may be given.');
  const resourcePolicy = resourcePolicyOf(scenario.resourcePolicy);
  if (resourcePolicy !== undefined && scenario.callerArn === undefined) {
    throw new InvalidInputError('CallerArn is required when a ResourcePolicy is given.');
  }
  const boundary = compileInputs(boundaryInput, 'PermissionsBoundaryPolicyInputList', 'boundary', 'none')[0];
  // Without a CallerArn nothing names the caller (no resource policy needs to): the simulation is
  // of "a principal of this account" with the given policies.
  const principal: RequestPrincipal =
    scenario.callerArn === undefined
      ? {
          type: 'User',
          arn: `arn:${ctx.partition}:iam::${ctx.accountId}:user/SimulateCustomPolicy`,
          account: ctx.accountId,
        }
      : callerPrincipal(scenario.callerArn);
  const setup: SimulationSetup = {
    principal,
    identity: compileInputs(texts, 'PolicyInputList', 'identity', 'none'),
    ...(boundary === undefined ? {} : { boundary }),
    ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
    resourceOwner: ownerAccount(scenario.resourceOwner, ctx.accountId),
    context: scenario.context,
  };
  return simulatePage(
    setup,
    scenario.actions,
    scenario.resources,
    scenario.paging.marker,
    scenario.paging.maxItems,
  );
};

const getContextKeysForPrincipalPolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const source = input.arn('PolicySourceArn', 'policySourceArn');
  const extra = readPolicyList(input, 'PolicyInputList', 'policyInputList');
  input.done();
  ctx.authorize('iam:GetContextKeysForPrincipalPolicy', source);
  const stored = await principalPolicies(ctx, source);
  const given = compileInputs(extra, 'PolicyInputList', 'identity', 'none');
  const all = [...stored.identity, ...(stored.boundary === undefined ? [] : [stored.boundary]), ...given];
  return { ContextKeyNames: contextKeysOf(all.map((p) => p.policy)) };
};

const getContextKeysForCustomPolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  input.requireSent('PolicyInputList', 'policyInputList');
  const texts = readPolicyList(input, 'PolicyInputList', 'policyInputList');
  input.done();
  ctx.authorize('iam:GetContextKeysForCustomPolicy', '*');
  const policies = compileInputs(texts, 'PolicyInputList', 'identity', 'none');
  return { ContextKeyNames: contextKeysOf(policies.map((p) => p.policy)) };
};

export const simulationOperations: Record<string, IamOperation> = {
  SimulatePrincipalPolicy: simulatePrincipalPolicy,
  SimulateCustomPolicy: simulateCustomPolicy,
  GetContextKeysForPrincipalPolicy: getContextKeysForPrincipalPolicy,
  GetContextKeysForCustomPolicy: getContextKeysForCustomPolicy,
};
