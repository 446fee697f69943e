/**
 * The environment a pod's containers see under IRSA (Amazon EKS User Guide, IAM roles for service
 * accounts; AWS SDKs and Tools Reference Guide, Assume role credential provider: web identity): what the
 * pod identity webhook injects, plus `AWS_ENDPOINT_URL_STS` pointing the SDK's web identity
 * provider at credplane. Credentials that would outrank the web identity provider in an SDK's
 * default chain (environment keys, profiles, container credentials, shared files) are removed, so
 * the process runs as the pod's role or not at all — never silently as someone else.
 *
 * Each pod also gets a `HOME` of its own, as a container has: the AWS CLI caches web identity
 * sessions under `~/.aws/cli/cache`, and a shared home would hand one pod another pod's (or an old
 * server's) session. `AWS_ENDPOINT_URL` points every service client at credplane, as tasks and
 * functions get it; endpoint variables of the caller's shell are not inherited. Pure.
 */

export interface PodEnvironmentInput {
  roleArn: string;
  tokenFile: string;
  stsEndpoint: string;
  region: string;
  stsRegionalEndpoints: boolean;
  /** Empty files that stand in for `~/.aws/config` and `~/.aws/credentials` (a pod has neither). */
  emptyAwsConfigFile: string;
  /** The pod's own home directory (empty, private to the pod, removed with it). */
  home: string;
}

/** Variables that would make an SDK use other credentials than the pod's. */
export const SHADOWING_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_ROLE_SESSION_NAME',
] as const;

/** Shadowing variables, and the caller's endpoint overrides (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`). */
function dropped(drop: ReadonlySet<string>, name: string): boolean {
  return drop.has(name) || name === 'AWS_ENDPOINT_URL' || name.startsWith('AWS_ENDPOINT_URL_');
}

/**
 * @example
 * spawn(cmd, args, { env: podEnvironment(process.env, { roleArn, tokenFile, stsEndpoint, region, stsRegionalEndpoints: false, emptyAwsConfigFile, home }) });
 */
export function podEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  input: PodEnvironmentInput,
): Record<string, string> {
  const env: Record<string, string> = {};
  const drop = new Set<string>(SHADOWING_VARIABLES);
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !dropped(drop, k)) env[k] = v;
  env.HOME = input.home;
  env.AWS_ROLE_ARN = input.roleArn;
  env.AWS_WEB_IDENTITY_TOKEN_FILE = input.tokenFile;
  env.AWS_ENDPOINT_URL = input.stsEndpoint;
  env.AWS_ENDPOINT_URL_STS = input.stsEndpoint;
  env.AWS_CONFIG_FILE = input.emptyAwsConfigFile;
  env.AWS_SHARED_CREDENTIALS_FILE = input.emptyAwsConfigFile;
  // The webhook sets the region only when neither is set (its --aws-default-region flag).
  if (env.AWS_REGION === undefined && env.AWS_DEFAULT_REGION === undefined) {
    env.AWS_REGION = input.region;
    env.AWS_DEFAULT_REGION = input.region;
  }
  if (input.stsRegionalEndpoints) env.AWS_STS_REGIONAL_ENDPOINTS = 'regional';
  // Nothing started as a pod may reach a real metadata service for other credentials.
  env.AWS_EC2_METADATA_DISABLED = 'true';
  return env;
}

export interface PodIdentityEnvironmentInput {
  /** `http://127.0.0.1:<port>/v1/credentials` of the agent. */
  credentialsUri: string;
  tokenFile: string;
  /** STS calls the workload makes go to credplane too (GetCallerIdentity and friends). */
  stsEndpoint: string;
  region: string;
  emptyAwsConfigFile: string;
  /** The pod's own home directory. */
  home: string;
}

/**
 * What the EKS Pod Identity webhook injects (Amazon EKS User Guide, EKS Pod Identity), with the agent on
 * loopback instead of `169.254.170.23`.
 *
 * @example
 * podIdentityEnvironment(process.env, { credentialsUri: `${agent.url}/v1/credentials`, tokenFile, stsEndpoint, region, emptyAwsConfigFile, home });
 */
export function podIdentityEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  input: PodIdentityEnvironmentInput,
): Record<string, string> {
  const env: Record<string, string> = {};
  const drop = new Set<string>([...SHADOWING_VARIABLES, 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE']);
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !dropped(drop, k)) env[k] = v;
  env.HOME = input.home;
  env.AWS_CONTAINER_CREDENTIALS_FULL_URI = input.credentialsUri;
  env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = input.tokenFile;
  env.AWS_ENDPOINT_URL = input.stsEndpoint;
  env.AWS_ENDPOINT_URL_STS = input.stsEndpoint;
  env.AWS_CONFIG_FILE = input.emptyAwsConfigFile;
  env.AWS_SHARED_CREDENTIALS_FILE = input.emptyAwsConfigFile;
  if (env.AWS_REGION === undefined && env.AWS_DEFAULT_REGION === undefined) {
    env.AWS_REGION = input.region;
    env.AWS_DEFAULT_REGION = input.region;
  }
  env.AWS_EC2_METADATA_DISABLED = 'true';
  return env;
}
