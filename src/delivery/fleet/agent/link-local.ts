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

export interface AddedAddresses {
  /** Remove what was added (the interface, or the addresses on `lo`). */
  remove: () => void;
  /** IPv6 addresses that could not be added (IPv6 disabled on the host): not served. */
  skipped: string[];
}

/** `ip addr add` arguments: /32, or /128 without duplicate address detection (usable at once). */
function addArgs(address: string, dev: string): string[] {
  return address.includes(':')
    ? ['-6', 'addr', 'add', `${address}/128`, 'dev', dev, 'nodad']
    : ['addr', 'add', `${address}/32`, 'dev', dev];
}

function delArgs(address: string, dev: string): string[] {
  return address.includes(':')
    ? ['-6', 'addr', 'del', `${address}/128`, 'dev', dev]
    : ['addr', 'del', `${address}/32`, 'dev', dev];
}

/** Add `address` to `dev`; an IPv6 address that the host refuses is skipped, not fatal. */
function addAddress(address: string, dev: string, skipped: string[]): boolean {
  try {
    ip(...addArgs(address, dev));
    return true;
  } catch (error) {
    if (!address.includes(':')) throw error;
    skipped.push(address);
    return false;
  }
}

/**
 * Create `name` (type dummy) with `addresses` (/32, IPv6 /128 each), up.
 *
 * @example
 * const { remove } = addLinkLocalAddresses('credplane0', ['169.254.169.254', 'fd00:ec2::254']);
 */
export function addLinkLocalAddresses(name: string, addresses: string[]): AddedAddresses {
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
  const skipped: string[] = [];
  try {
    for (const address of addresses) addAddress(address, name, skipped);
    ip('link', 'set', name, 'up');
  } catch (error) {
    remove();
    throw error;
  }
  return { remove, skipped };
}

function onLoopback(addresses: string[]): AddedAddresses {
  const added: string[] = [];
  const skipped: string[] = [];
  const remove = (): void => {
    for (const address of added.splice(0)) {
      try {
        ip(...delArgs(address, 'lo'));
      } catch {
        // Already gone.
      }
    }
  };
  try {
    for (const address of addresses) if (addAddress(address, 'lo', skipped)) added.push(address);
  } catch (error) {
    remove();
    throw error;
  }
  return { remove, skipped };
}
