/**
 * How `policy tighten --apply` and `policy rollback` reach IAM: through the running control
 * plane's IAM Query API (signed with the admin key `credplane up` writes into the data directory),
 * so the change is authenticated, authorized and logged like any other IAM call; or, when no
 * control plane answers, straight into the store in one transaction (a running server picks store
 * changes made by another process up within 5 seconds).
 */
import { adminEndpoint, ControlPlaneUnavailableError } from '../../admin-api/client.js';
import { httpQueryTransport, iamQueryWriter, probeRole } from './iam-query-writer.js';
import type { ApplyVia } from './tighten.js';

export type ConnectedVia = ApplyVia & { description: string };

/**
 * @example
 * const via = await connectIam('.credplane', 'web');
 * console.log(`applying ${via.description}`);
 */
export async function connectIam(dataDir: string, roleName: string): Promise<ConnectedVia> {
  const fallback: ConnectedVia = {
    kind: 'store',
    description: 'directly in the store (no control plane is answering for this data directory)',
  };
  let endpoint;
  try {
    endpoint = adminEndpoint(dataDir);
  } catch (error) {
    if (error instanceof ControlPlaneUnavailableError) return fallback;
    throw error;
  }
  const transport = httpQueryTransport(endpoint);
  try {
    await probeRole(transport, roleName);
  } catch (error) {
    if (error instanceof ControlPlaneUnavailableError) return fallback;
    throw error;
  }
  return {
    kind: 'iam-api',
    writer: iamQueryWriter(transport),
    description: `through the IAM API at ${endpoint.url} (as the admin user)`,
  };
}
