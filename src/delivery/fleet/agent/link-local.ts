/**
 * The addresses SDKs use by default, set up by the agent on a dummy interface it creates and
 * removes on exit (Linux, `ip` from iproute2, CAP_NET_ADMIN): what the EC2 hypervisor provides on
 * an instance and what the EKS Pod Identity agent does on a node (a link-local address on the
 * host). An interface that already exists is not the agent's: it refuses rather than take it over.
 * Where the kernel has no dummy interfaces (no `dummy` module), the addresses go on `lo` instead
 * and are removed from it on exit: they are local addresses either way.
 */
import { execFileSync } from 'node:child_process';

export const IMDS_ADDRESS = '169.254.169.254';
/** Where the SDKs send `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (Container credential provider). */
export const ECS_CREDENTIALS_ADDRESS = '169.254.170.2';
/** The EKS Pod Identity agent's addresses (Amazon EKS User Guide, EKS Pod Identity). */
export const POD_IDENTITY_ADDRESS = '169.254.170.23';
export const POD_IDENTITY_ADDRESS_V6 = 'fd00:ec2::23';
/** IMDS over IPv6, when the instance's `HttpProtocolIpv6` is enabled (Amazon EC2 User Guide). */
export const IMDS_ADDRESS_V6 = 'fd00:ec2::254';

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
  try {
    ip('link', 'add', name, 'type', 'dummy');
  } catch (error) {
    if (!/Unknown device type|not supported/i.test(String((error as { stderr?: unknown }).stderr ?? '')))
      throw error;
    return onLoopback(addresses);
  }
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

function onLoopback(addresses: string[]): () => void {
  const added: string[] = [];
  const remove = (): void => {
    for (const address of added.splice(0)) {
      try {
        ip('addr', 'del', `${address}/32`, 'dev', 'lo');
      } catch {
        // Already gone.
      }
    }
  };
  try {
    for (const address of addresses) {
      ip('addr', 'add', `${address}/32`, 'dev', 'lo');
      added.push(address);
    }
  } catch (error) {
    remove();
    throw error;
  }
  return remove;
}
