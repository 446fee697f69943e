/**
 * The addresses SDKs use by default, set up by the agent on a dummy interface it creates and
 * removes on exit (Linux, `ip` from iproute2, CAP_NET_ADMIN): what the EC2 hypervisor provides on
 * an instance and what the EKS Pod Identity agent does on a node (a link-local address on the
 * host). An interface that already exists is not the agent's: it refuses rather than take it over.
 */
import { execFileSync } from 'node:child_process';

export const IMDS_ADDRESS = '169.254.169.254';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

/**
 * Create `name` (type dummy) with `addresses` (/32 each), up. Resolves the function that removes it.
 *
 * @example
 * const remove = addLinkLocalAddresses('credplane0', ['169.254.169.254']);
 */
export function addLinkLocalAddresses(name: string, addresses: string[]): () => void {
  ip('link', 'add', name, 'type', 'dummy');
  const remove = (): void => {
    try {
      ip('link', 'del', name);
    } catch {
      // Already gone (removed by hand, or the namespace went away).
    }
  };
  try {
    for (const address of addresses) ip('addr', 'add', `${address}/32`, 'dev', name);
    ip('link', 'set', name, 'up');
  } catch (error) {
    remove();
    throw error;
  }
  return remove;
}
