/**
 * Instance metadata posture: instances that still answer IMDSv1, the account default that new
 * instances get, and hop limits that let containers (or anything one network hop away) reach
 * the metadata service on instances that host none.
 *
 * An instance's effective options are its own (`settings.metadataOptions`, written at launch and
 * by `ModifyInstanceMetadataOptions`), else the account default (`ec2:instance-metadata-defaults`),
 * else AWS's own defaults: `HttpTokens=optional`, hop limit 1, endpoint enabled.
 *
 * An instance declares that it hosts containers with a tag: `credplane:hosts-containers=true`,
 * or one of the tags EKS and ECS put on their nodes (`eks:cluster-name`,
 * `kubernetes.io/cluster/<name>`, `AmazonECSManaged`). Those instances need a hop limit of 2 for
 * their containers to reach IMDSv2, so they are not flagged.
 */
import type { Finding } from '../findings.js';
import type { AnalysisData, InstanceMetadataDefaults } from '../data.js';
import { instanceTags, isWorkloadOfKind, type InstanceWorkload } from '../../workloads/index.js';
import { postureFinding } from './finding.js';

export interface EffectiveMetadataOptions {
  httpTokens: 'optional' | 'required';
  httpEndpoint: 'enabled' | 'disabled';
  httpPutResponseHopLimit: number;
  /** Where `httpTokens` came from. */
  httpTokensSource: 'instance' | 'account-default' | 'aws-default';
}

/** The options an instance runs with (see the module comment for the order). */
export function effectiveMetadataOptions(
  instance: InstanceWorkload,
  defaults: InstanceMetadataDefaults | undefined,
): EffectiveMetadataOptions {
  const m = instance.settings.metadataOptions ?? {};
  const tokens = m.httpTokens ?? defaults?.HttpTokens;
  const endpoint = m.httpEndpoint ?? defaults?.HttpEndpoint;
  const hop = m.httpPutResponseHopLimit ?? defaults?.HttpPutResponseHopLimit;
  return {
    httpTokens: tokens === 'required' ? 'required' : 'optional',
    httpEndpoint: endpoint === 'disabled' ? 'disabled' : 'enabled',
    httpPutResponseHopLimit: typeof hop === 'number' && Number.isInteger(hop) && hop >= 1 ? hop : 1,
    httpTokensSource:
      m.httpTokens !== undefined
        ? 'instance'
        : defaults?.HttpTokens === 'required' || defaults?.HttpTokens === 'optional'
          ? 'account-default'
          : 'aws-default',
  };
}

const CONTAINER_HOST_TAGS = [
  (k: string, v: string) => k === 'credplane:hosts-containers' && v.toLowerCase() === 'true',
  (k: string) => k === 'eks:cluster-name' || k === 'aws:eks:cluster-name',
  (k: string) => k.startsWith('kubernetes.io/cluster/'),
  (k: string) => k === 'AmazonECSManaged',
];

/** True when the instance's tags say it hosts containers (see the module comment). */
export function hostsContainers(instance: InstanceWorkload): boolean {
  return instanceTags(instance.settings).some((t) =>
    CONTAINER_HOST_TAGS.some((test) => test(t.key, t.value)),
  );
}

/** The instance id findings name: the stored one, else the workload's name. */
function findingInstanceId(w: InstanceWorkload): string {
  return w.settings.instanceId ?? w.name;
}

/**
 * @example
 * imdsFindings(data).filter((f) => f.code === 'IMDSV1_ALLOWED');
 */
export function imdsFindings(data: AnalysisData): Finding[] {
  const out: Finding[] = [];
  const defaults = data.imdsDefaults;
  if (defaults?.HttpTokens !== 'required') {
    out.push(
      postureFinding(
        'ACCOUNT_DEFAULT_ALLOWS_IMDSV1',
        { kind: 'account', name: data.accountId },
        defaults?.HttpTokens === undefined || defaults.HttpTokens === 'no-preference'
          ? `Account ${data.accountId} sets no instance metadata default, so instances launched without MetadataOptions allow IMDSv1 (AWS's default is HttpTokens=optional): run aws ec2 modify-instance-metadata-defaults --http-tokens required.`
          : `Account ${data.accountId}'s instance metadata default is HttpTokens=${defaults.HttpTokens}: new instances allow IMDSv1.`,
        { httpTokens: defaults?.HttpTokens ?? null },
      ),
    );
  }
  for (const w of data.workloads) {
    if (!isWorkloadOfKind(w, 'ec2-instance')) continue;
    const options = effectiveMetadataOptions(w, defaults);
    if (options.httpEndpoint === 'disabled') continue;
    const id = findingInstanceId(w);
    const subject = { kind: 'instance' as const, name: id };
    const details = {
      instanceId: id,
      name: w.name,
      roleName: w.roleName,
      httpTokens: options.httpTokens,
      httpTokensSource: options.httpTokensSource,
      httpPutResponseHopLimit: options.httpPutResponseHopLimit,
    };
    if (options.httpTokens === 'optional') {
      out.push(
        postureFinding(
          'IMDSV1_ALLOWED',
          subject,
          w.roleName === ''
            ? `Instance ${id} (${w.name}) answers IMDSv1 requests, so an SSRF in it can read its metadata (and the credentials of any role associated later): set HttpTokens=required.`
            : `Instance ${id} (${w.name}) answers IMDSv1 requests, so an SSRF in it can read role ${w.roleName}'s credentials: set HttpTokens=required.`,
          details,
        ),
      );
    }
    if (options.httpPutResponseHopLimit > 1 && !hostsContainers(w)) {
      out.push(
        postureFinding(
          'HOP_LIMIT_ABOVE_ONE',
          subject,
          `Instance ${id} (${w.name}) has HttpPutResponseHopLimit=${options.httpPutResponseHopLimit} but hosts no containers: set it to 1 so that IMDSv2 tokens cannot leave the instance (tag it credplane:hosts-containers=true if it does host containers).`,
          details,
        ),
      );
    }
  }
  return out;
}
