/**
 * Credential lifetimes from the environment, per delivery channel: testing aids to watch rotation
 * without a clock shim (docs/ecs-lambda.md, docs/imds.md).
 */
import type { CredentialLifetime } from '../delivery/refreshing-source.js';

/**
 * Testing aids for a channel: `CREDPLANE_<CHANNEL>_CREDENTIAL_SECONDS` and
 * `CREDPLANE_<CHANNEL>_REFRESH_BEFORE_SECONDS` (positive numbers; anything else keeps the default).
 *
 * @example credentialLifetime(process.env, 'ECS'); // { credentialSeconds: 120 } with CREDPLANE_ECS_CREDENTIAL_SECONDS=120
 */
export function credentialLifetime(env: NodeJS.ProcessEnv, channel: string): CredentialLifetime {
  const credentialSeconds = Number(env[`CREDPLANE_${channel}_CREDENTIAL_SECONDS`]);
  const refreshBeforeSeconds = Number(env[`CREDPLANE_${channel}_REFRESH_BEFORE_SECONDS`]);
  return {
    ...(Number.isInteger(credentialSeconds) && credentialSeconds > 0 ? { credentialSeconds } : {}),
    ...(Number.isInteger(refreshBeforeSeconds) && refreshBeforeSeconds > 0 ? { refreshBeforeSeconds } : {}),
  };
}
