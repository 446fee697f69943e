/**
 * Running a command as a workload: the caller's environment minus anything that would take
 * precedence over the workload's own credentials in an SDK's default chain (static keys, profiles,
 * other container or web-identity settings, the caller's AWS config files — a container or a
 * Lambda sandbox has none), plus the workload's variables.
 */
import { spawn } from 'node:child_process';

/** Variables a workload never inherits from the shell that starts it. */
const SHADOWING = [
  'AWS_ACCESS_KEY_ID',
  'AWS_ACCESS_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  'AWS_ENDPOINT_URL_STS',
];

/**
 * `base` without shadowing variables, with `workload` on top; AWS config files point at
 * `/dev/null` and the EC2 metadata service is disabled (credplane never reaches for a real one).
 *
 * @example
 * spawn(cmd, args, { env: workloadProcessEnv(process.env, { AWS_CONTAINER_CREDENTIALS_FULL_URI: uri }) });
 */
export function workloadProcessEnv(
  base: NodeJS.ProcessEnv,
  workload: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined && !SHADOWING.includes(k)) out[k] = v;
  }
  return {
    ...out,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...workload,
  };
}

/**
 * Run `command` with `env`, stdio inherited; resolves with its exit code (128 + signal number
 * style for signals, 127 when it cannot start). SIGINT/SIGTERM sent to credplane are forwarded.
 */
export function runCommand(command: readonly string[], env: Record<string, string>): Promise<number> {
  const [file, ...args] = command;
  if (file === undefined) return Promise.resolve(2);
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const done = (code: number): void => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code);
    };
    child.once('error', () => done(127));
    child.once('exit', (code, signal) =>
      done(code ?? (signal === null ? 1 : 128 + (signal === 'SIGKILL' ? 9 : 15))),
    );
  });
}
