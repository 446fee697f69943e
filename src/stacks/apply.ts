/**
 * `credplane apply`: brings the Store to what a template describes, as a CloudFormation stack
 * update would. The plan is computed and every document checked before the first write; all writes
 * run in one Store transaction, so a failure leaves nothing half-applied.
 *
 * Values AWS assigns at creation (`!GetAtt Role.RoleId`, instance ids, task definition revisions)
 * are filled in by passes: each pass reloads the template with a resolver that reads the Store,
 * re-plans, and applies changes in dependency order up to the first one that still waits for such
 * a value. Passes repeat until the plan is all unchanged, so the result is verified by construction.
 */
import { readMetadataDefaults, type InstanceMetadataDefaults } from '../ec2-api/metadata-defaults.js';
import { AwsError, ValidationError } from '../errors.js';
import type { Store } from '../store/store.js';
import { readCurrentStack } from './current.js';
import {
  emptyState,
  type DesiredState,
  type MetadataOptions,
  type OutputRecord,
  type SkippedResource,
} from './desired.js';
import { planChanges, type PlanChange } from './diff.js';
import { StackResourceError, TemplateError } from './errors.js';
import { executeChange, type ExecuteContext } from './execute.js';
import { formatPlan } from './format.js';
import { loadTemplate, noEchoValues, parseTemplateText } from './index.js';
import { STACK_NAME_RE } from './ownership.js';
import type { ParameterInput } from './parameters.js';
import { hasPlaceholder, type PhysicalResolver } from './physical.js';
import { checkDesiredState, propertyPath } from './preflight.js';

export interface ApplyOptions extends StackTarget {
  parameters?: Readonly<Record<string, ParameterInput>>;
  /** Exports of other stacks, for `Fn::ImportValue`. */
  imports?: Readonly<Record<string, string>>;
  /** Plan (and check) only; nothing is written. */
  dryRun?: boolean;
  /** Called with the plan before the first write (inside the transaction), e.g. to print it. */
  onPlan?: (plan: readonly PlanChange[], text: string) => void | Promise<void>;
}

export interface ApplyResult {
  /** The plan as it stood before anything was written. */
  plan: PlanChange[];
  /** `formatPlan` of it, skipped resources included. */
  text: string;
  /** True when anything was written (false for a dry run and for a plan with no changes). */
  applied: boolean;
  /** The template's outputs, resolved against the Store after the apply (placeholders in a dry run). */
  outputs: OutputRecord[];
  skipped: SkippedResource[];
  /** The template's warnings (ignored properties, values known only after apply). */
  warnings: DesiredState['warnings'];
}

/** The stack's desired state, given what the Store can resolve (nothing on the first call). */
type Loader = (resolver?: PhysicalResolver) => DesiredState;

/** Which stack, where. */
export interface StackTarget {
  accountId: string;
  region: string;
  /** The store's partition unless given. */
  partition?: string;
  stackName: string;
}

/** One pass can settle at most one level of "known after apply"; templates are far shallower. */
const MAX_PASSES = 16;

interface Pass {
  desired: DesiredState;
  plan: PlanChange[];
}

function plannedText(pass: Pass): string {
  return formatPlan(pass.plan, { skipped: pass.desired.skipped });
}

/**
 * Loads the template against what the Store holds, checks it and plans. The template is loaded
 * twice: first to learn the names it declares (so conflicting records are read), then with the
 * resolver built from what was read.
 */
async function planPass(store: Store, load: Loader, options: StackTarget, partition: string): Promise<Pass> {
  const names = load();
  const current = await readCurrentStack(store, {
    accountId: options.accountId,
    stackName: options.stackName,
    region: options.region,
    partition,
    desired: names,
  });
  const desired = load(current.resolver);
  fillLaunchDefaults(desired, current.state, await readMetadataDefaults(store, options.accountId));
  await checkDesiredState(store, desired);
  return { desired, plan: planChanges(desired, current.state) };
}

const ACCOUNT_DEFAULT_NAMES = {
  httpTokens: 'HttpTokens',
  httpPutResponseHopLimit: 'HttpPutResponseHopLimit',
  httpEndpoint: 'HttpEndpoint',
  instanceMetadataTags: 'InstanceMetadataTags',
} as const satisfies Partial<Record<keyof MetadataOptions, keyof InstanceMetadataDefaults>>;

/**
 * Metadata options a template leaves out, as RunInstances would fill them: from the account's
 * instance metadata defaults for an instance about to be launched; an instance that already runs
 * keeps what it has, as on AWS, where new account defaults change no running instance.
 */
function fillLaunchDefaults(
  desired: DesiredState,
  current: DesiredState,
  defaults: InstanceMetadataDefaults,
): void {
  for (const record of desired.workloads) {
    if (record.kind !== 'ec2-instance' || record.launchDefaulted === undefined) continue;
    const running = current.workloads.find((w) => w.kind === 'ec2-instance' && w.name === record.name);
    const options = record.metadataOptions as unknown as Record<string, unknown>;
    for (const key of record.launchDefaulted) {
      if (running?.kind === 'ec2-instance') {
        options[key] = running.metadataOptions[key];
      } else {
        const name = ACCOUNT_DEFAULT_NAMES[key as keyof typeof ACCOUNT_DEFAULT_NAMES];
        const value = name === undefined ? undefined : defaults[name];
        if (value !== undefined) options[key] = value;
      }
    }
    delete record.launchDefaulted;
  }
}

/** The first placeholder left in a change that no earlier change can fill in. */
function unresolved(change: PlanChange): StackResourceError {
  const record = change.desired;
  const found: string[] = [];
  const walk = (value: unknown, path: (string | number)[]): void => {
    if (found.length > 0) return;
    if (typeof value === 'string' && hasPlaceholder(value))
      found.push(record ? propertyPath(record, path) : value);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  walk(record, []);
  return new StackResourceError(
    'ValidationError',
    {
      ...(change.logicalId !== undefined ? { logicalId: change.logicalId } : {}),
      path: found[0] ?? `Resources.${change.logicalId ?? change.name}`,
    },
    'a value known only after apply could not be resolved',
  );
}

/**
 * Plans a template against the Store and, unless `dryRun`, applies the plan in one transaction.
 * Throws `TemplateError` for a broken template, `EntityAlreadyExists` when a name belongs to
 * another stack or to no stack, and `StackResourceError` (`MalformedPolicyDocument`,
 * `NoSuchEntity`, ...) naming the logical id and property of a resource that cannot be applied.
 *
 * @example
 * const result = await applyTemplate(store, yamlText, { accountId, region: 'us-east-1', stackName: 'demo' });
 * process.stdout.write(result.text);
 */
export async function applyTemplate(store: Store, text: string, options: ApplyOptions): Promise<ApplyResult> {
  const partition = options.partition ?? store.partition;
  const load: Loader = (resolver) =>
    loadTemplate(text, {
      stackName: options.stackName,
      accountId: options.accountId,
      region: options.region,
      partition,
      ...(options.parameters ? { parameters: options.parameters } : {}),
      ...(options.imports ? { imports: options.imports } : {}),
      ...(resolver ? { resolver } : {}),
    });
  try {
    return await run(store, load, options);
  } catch (error) {
    // loadTemplate hides NoEcho values in its own errors; a policy finding or Store message may quote them too.
    if (error instanceof AwsError && !(error instanceof TemplateError)) hideSecrets(error, text, options);
    throw error;
  }
}

function hideSecrets(error: AwsError, text: string, options: ApplyOptions): void {
  let secrets: string[];
  try {
    secrets = noEchoValues(parseTemplateText(text), options);
  } catch {
    return;
  }
  const hidden = secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  for (const s of hidden) error.message = error.message.split(s).join('****');
}

/**
 * Deletes everything a stack owns (CloudFormation's DeleteStack), workloads first. A template
 * cannot say this: CloudFormation requires at least one resource in it.
 *
 * @example
 * const result = await deleteStack(store, { accountId, region: 'us-east-1', stackName: 'demo' });
 */
export async function deleteStack(
  store: Store,
  options: StackTarget & Pick<ApplyOptions, 'dryRun' | 'onPlan'>,
): Promise<ApplyResult> {
  const partition = options.partition ?? store.partition;
  return run(
    store,
    () => emptyState(options.stackName, options.accountId, options.region, partition),
    options,
  );
}

async function run(
  store: Store,
  load: Loader,
  options: StackTarget & Pick<ApplyOptions, 'dryRun' | 'onPlan'>,
): Promise<ApplyResult> {
  if (!STACK_NAME_RE.test(options.stackName)) {
    throw new ValidationError(
      `stack name ${options.stackName.slice(0, 140)} must match [a-zA-Z][-a-zA-Z0-9]* and be at most 128 characters`,
    );
  }
  const partition = options.partition ?? store.partition;
  if (partition !== store.partition) {
    // The Store writes ARNs in its own partition; a template planned in another would never settle.
    throw new ValidationError(`partition ${partition} is not the store's partition (${store.partition})`);
  }
  const result = (first: Pass, last: Pass, applied: boolean): ApplyResult => ({
    plan: first.plan,
    text: plannedText(first),
    applied,
    outputs: last.desired.outputs,
    skipped: last.desired.skipped,
    warnings: last.desired.warnings,
  });

  if (options.dryRun) {
    const pass = await planPass(store, load, options, partition);
    return result(pass, pass, false);
  }

  return store.transaction(async (tx) => {
    const first = await planPass(tx, load, options, partition);
    await options.onPlan?.(first.plan, plannedText(first));
    const ctx: ExecuteContext = {
      stackName: options.stackName,
      accountId: options.accountId,
      region: options.region,
      partition,
      desired: first.desired,
    };
    let pass = first;
    let applied = false;
    for (let n = 1; ; n += 1) {
      const pending = pass.plan.filter((c) => c.action !== 'noop');
      if (pending.length === 0) break;
      if (n > MAX_PASSES) {
        throw new AwsError(
          'InternalFailure',
          `apply did not settle after ${MAX_PASSES} passes; still to do:\n${formatPlan(pending)}`,
          { status: 500 },
        );
      }
      ctx.desired = pass.desired;
      let done = 0;
      for (const change of pending) {
        if (change.desired !== undefined && hasPlaceholder(change.desired)) break;
        await executeChange(tx, change, ctx);
        done += 1;
      }
      if (done === 0) throw unresolved(pending[0] as PlanChange);
      applied = true;
      pass = await planPass(tx, load, options, partition);
    }
    return result(first, pass, applied);
  });
}
