/**
 * `IpAddress` / `NotIpAddress`: IPv4 and IPv6 CIDR blocks; a bare address is a host (`/32`,
 * `/128`). An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is treated as the IPv4 address, so one
 * IPv4 block covers callers that reach us over a dual-stack socket.
 */
import type { ContextValue } from '../context.js';
import type { ValueMatcher } from './types.js';

/** An address as 16-bit words: 2 for IPv4, 8 for IPv6. */
export interface IpAddressValue {
  words: Uint16Array;
}

export interface CidrBlock {
  words: Uint16Array;
  prefix: number;
}

const V4_OCTET = /^(?:0|[1-9]\d{0,2})$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseV4(text: string): Uint16Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!V4_OCTET.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    bytes[i] = n;
  }
  return Uint16Array.of(
    ((bytes[0] as number) << 8) | (bytes[1] as number),
    ((bytes[2] as number) << 8) | (bytes[3] as number),
  );
}

function parseV6(text: string): Uint16Array | null {
  if (text.length > 45 || text.length < 2) return null;
  const double = text.indexOf('::');
  if (double >= 0 && text.indexOf('::', double + 1) >= 0) return null;
  const groupsOf = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groupsOf(double >= 0 ? text.slice(0, double) : text);
  const tail = double >= 0 ? groupsOf(text.slice(double + 2)) : [];
  const words: number[] = [];
  const pushGroups = (groups: string[], out: number[]): boolean => {
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as string;
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseV4(g);
        if (v4 === null) return false;
        out.push(v4[0] as number, v4[1] as number);
        continue;
      }
      if (!V6_GROUP.test(g)) return false;
      out.push(parseInt(g, 16));
    }
    return true;
  };
  const tailWords: number[] = [];
  // An embedded IPv4 address may only end the address: in the head only when there is no `::`.
  if (!pushGroups(head, words)) return null;
  if (double >= 0 && head.some((g) => g.includes('.'))) return null;
  if (!pushGroups(tail, tailWords)) return null;
  const missing = 8 - words.length - tailWords.length;
  if (double >= 0 ? missing < 1 : missing !== 0) return null;
  for (let i = 0; i < missing; i++) words.push(0);
  words.push(...tailWords);
  return Uint16Array.from(words);
}

/**
 * Parses an IPv4 or IPv6 address; `null` when it is not one. Zone ids (`%eth0`) are not accepted.
 *
 * @example
 * parseIpAddress('::ffff:10.0.0.1')?.words.length; // 2 (treated as IPv4)
 */
export function parseIpAddress(text: string): IpAddressValue | null {
  const words = text.includes(':') ? parseV6(text) : parseV4(text);
  if (words === null) return null;
  if (
    words.length === 8 &&
    words[0] === 0 &&
    words[1] === 0 &&
    words[2] === 0 &&
    words[3] === 0 &&
    words[4] === 0 &&
    words[5] === 0xffff
  ) {
    return { words: words.slice(6) };
  }
  return { words };
}

/**
 * Parses `address/prefix` or a bare address (a host block). `null` when malformed. Host bits set
 * below the prefix are ignored, as in a routing table.
 *
 * @example
 * parseCidr('203.0.113.0/24'); // { words: [0xcb00, 0x7100], prefix: 24 }
 */
export function parseCidr(text: string): CidrBlock | null {
  const slash = text.indexOf('/');
  const address = parseIpAddress(slash < 0 ? text : text.slice(0, slash));
  if (address === null) return null;
  // A mapped IPv6 block keeps its prefix meaning relative to the IPv4 part.
  const mappedV6 = slash >= 0 && address.words.length === 2 && text.slice(0, slash).includes(':');
  const bits = address.words.length * 16;
  if (slash < 0) return { words: address.words, prefix: bits };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  let prefix = Number(prefixText);
  if (mappedV6) {
    if (prefix < 96 || prefix > 128) return null;
    prefix -= 96;
  }
  if (prefix > bits) return null;
  return { words: address.words, prefix };
}

/**
 * True when `address` lies in `block` (same family only).
 *
 * @example
 * cidrContains(parseCidr('10.0.0.0/8')!, parseIpAddress('10.1.2.3')!); // true
 */
export function cidrContains(block: CidrBlock, address: IpAddressValue): boolean {
  const a = address.words;
  const b = block.words;
  if (a.length !== b.length) return false;
  let remaining = block.prefix;
  for (let i = 0; i < b.length && remaining > 0; i++) {
    const take = remaining >= 16 ? 16 : remaining;
    const mask = (0xffff << (16 - take)) & 0xffff;
    if (((a[i] as number) & mask) !== ((b[i] as number) & mask)) return false;
    remaining -= take;
  }
  return true;
}

/** `(context value)` → true when the address lies in any of the policy's blocks. */
export function ipMatcher(values: readonly string[]): ValueMatcher {
  const blocks = values.map(parseCidr).filter((b): b is CidrBlock => b !== null);
  return (v: ContextValue) => {
    const address = v.asIp();
    if (address === null) return false;
    for (let i = 0; i < blocks.length; i++) if (cidrContains(blocks[i] as CidrBlock, address)) return true;
    return false;
  };
}
