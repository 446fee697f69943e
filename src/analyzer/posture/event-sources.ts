/**
 * Which workload an access-log event shows obtaining a role's credentials, so that "one role per
 * workload" can be checked against what actually happened, not only against what is declared.
 *
 * A source is named by channel and the most specific workload identity the record carries:
 * the instance id for IMDS deliveries, the function for Lambda, the task definition for ECS
 * (never the task: the tasks of one definition are one workload), the service account for Pod
 * Identity, the token's issuer and subject for web identities. A channel whose record names no
 * workload counts as one source of that channel.
 */
import type { JsonValue } from '../../iam/types.js';
import type { AccessEvent } from '../../store/store.js';
import { objectOf } from '../data.js';

const DELIVERY_CHANNELS = new Set(['imds', 'container', 'lambda', 'pod-identity', 'web-identity']);

function str(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The session name of an assumed-role ARN (`arn:...:assumed-role/ROLE/SESSION`). */
function sessionNameOf(arn: string | undefined): string | undefined {
  if (arn === undefined) return undefined;
  const m = /:assumed-role\/[^/]+\/(.+)$/.exec(arn);
  return m?.[1];
}

/** What follows `marker` in an ARN (`i-...` after `:instance/`), without a qualifier. */
function resourceAfter(arn: string | undefined, marker: string): string | undefined {
  const at = arn?.indexOf(marker) ?? -1;
  if (arn === undefined || at < 0) return undefined;
  return arn.slice(at + marker.length).replace(/:[^:/]*$/, '') || undefined;
}

/**
 * The workload source of a credential delivery or web-identity event, or `undefined` for other
 * events (calls made with the credentials, admin calls).
 *
 * @example
 * workloadSourceOf(event); // 'imds:i-0123456789abcdef0'
 */
export function workloadSourceOf(event: Pick<AccessEvent, 'channel' | 'record'>): string | undefined {
  const record = objectOf(event.record);
  const identity = objectOf(record.userIdentity);
  if (event.channel === 'web-identity' || identity.type === 'WebIdentityUser') {
    const provider = str(identity.identityProvider) ?? 'unknown';
    return `web-identity:${provider}:${str(identity.userName) ?? '*'}`;
  }
  if (!DELIVERY_CHANNELS.has(event.channel)) return undefined;
  const params = objectOf(record.requestParameters);
  const response = objectOf(record.responseElements);
  const session = str(params.roleSessionName) ?? sessionNameOf(str(objectOf(response.assumedRoleUser).arn));
  // `aws:SourceArn` of the delivery: the instance, the function, the task or the association.
  const sourceArn = str(params.sourceArn);
  let name: string | undefined;
  switch (event.channel) {
    case 'imds':
      name = str(params.instanceId) ?? resourceAfter(sourceArn, ':instance/') ?? session;
      break;
    case 'lambda':
      name = str(params.functionName) ?? resourceAfter(sourceArn, ':function:') ?? session;
      break;
    case 'container':
      // The task ARN and session name name one task, not its definition: only a definition counts.
      name = str(params.taskDefinitionArn)?.replace(/:\d+$/, '') ?? str(params.family);
      break;
    case 'pod-identity': {
      const ns = str(params.namespace);
      const sa = str(params.serviceAccount);
      name =
        ns !== undefined && sa !== undefined
          ? `${ns}/${sa}`
          : resourceAfter(sourceArn, ':podidentityassociation/');
      break;
    }
  }
  return name === undefined ? event.channel : `${event.channel}:${name}`;
}
