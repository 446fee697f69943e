/**
 * Join tokens: `cpj1.<node>.<secret>.<ca-pin>`. The secret is 32 random bytes (the store keeps only
 * its SHA-256, which is enough for a secret of that entropy); the pin is the SHA-256 of the plane
 * CA's certificate, so an agent that has nothing but the token can check it talks to the right
 * server before it sends the secret (the same bootstrap as `kubeadm join
 * --discovery-token-ca-cert-hash`).
 */
import { createHash, randomBytes } from 'node:crypto';

export const NODE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export interface JoinToken {
  nodeName: string;
  secret: string;
  caPin: string;
}

export function newJoinToken(nodeName: string, caPin: string): JoinToken {
  return { nodeName, secret: randomBytes(32).toString('base64url'), caPin };
}

export function formatJoinToken(t: JoinToken): string {
  return `cpj1.${t.nodeName}.${t.secret}.${t.caPin}`;
}

/** The token's parts; `undefined` for anything that is not one (the text is never echoed). */
export function parseJoinToken(text: string): JoinToken | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 4 || parts[0] !== 'cpj1') return undefined;
  const [, nodeName, secret, caPin] = parts as [string, string, string, string];
  if (!NODE_NAME.test(nodeName) || !/^[\w-]{43}$/.test(secret) || !/^[\w-]{43}$/.test(caPin))
    return undefined;
  return { nodeName, secret, caPin };
}

/** Hex SHA-256 of the secret: what the store keeps. */
export function joinTokenHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
