/**
 * The redaction pass every record goes through before it is queued: request parameters and
 * response elements keep their shape, but the value of any member that can carry a secret is
 * replaced with CloudTrail's own placeholder. It fails closed: a member is hidden when its name
 * *contains* a secret word, so a new API's `FooSecretAccessKey` is hidden without a code change.
 */
import type { JsonValue } from '../iam/types.js';

/** What CloudTrail itself writes in place of a value it keeps out of the log. */
export const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/**
 * Normalised (lower case, letters and digits only) name fragments that mark a secret wherever
 * they appear in a member name: `SecretAccessKey`, `Credentials.SessionToken`, `NewPassword`,
 * `secret_string`, `ClientSecret`...
 */
const SECRET_FRAGMENTS: readonly string[] = [
  'secretaccesskey',
  'sessiontoken',
  'securitytoken',
  'password',
  'passphrase',
  'secretstring',
  'secretbinary',
  'clientsecret',
  'plaintext',
  'privatekey',
  'keymaterial',
  'webidentitytoken',
  'samlassertion',
  'authorizationtoken',
  'accesstoken', // OAuth/OIDC bearer tokens
  'refreshtoken',
  'idtoken',
  'secretkey',
  'messagebody',
  'sealedsecret',
  'base32stringseed', // IAM CreateVirtualMFADevice: a virtual MFA device's seed
  'qrcodepng', // the same seed as a QR code
  'authenticationcode', // IAM EnableMFADevice/ResyncMFADevice: MFA codes
];

/** Whole member names (normalised) that are secrets or message content. */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  'secret',
  'token', // Pod Identity's `token`, STS/OIDC bearer tokens
  'tokencode', // an MFA code
  'assertion',
  'authorization',
  'payload', // Lambda Invoke
  'body',
  'importtoken',
  'credentials', // only when it is a string (an encoded credential blob); objects are walked
]);

/** Members that are secret only in some operations (the name alone is too common to hide). */
const SECRET_IN_EVENT: Readonly<Record<string, readonly string[]>> = {
  PutParameter: ['value'], // SSM: the parameter's value, possibly a SecureString
  Publish: ['message'], // SNS: the message content
  PublishBatch: ['message'],
  SendMessage: ['messagebody'],
  SendMessageBatch: ['messagebody'],
  PutSecretValue: ['secretstring', 'secretbinary'],
  CreateSecret: ['secretstring', 'secretbinary'],
  UpdateSecret: ['secretstring', 'secretbinary'],
  PutItem: ['item'], // DynamoDB: the item's attributes may be anything
  UpdateItem: ['expressionattributevalues'],
};

function normalise(name: string): string {
  // Query API members arrive flattened (`Credentials.SessionToken`, `Entry.1.MessageBody`):
  // the last named segment decides.
  const segments = name.split('.').filter((s) => !/^\d+$/.test(s));
  const last = segments.length === 0 ? name : segments[segments.length - 1]!;
  return last.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Whether a member of this name holds a secret (for this event).
 *
 * @example
 * isSecretMember('Credentials.SessionToken'); // true
 * isSecretMember('Value', 'PutParameter'); // true
 * isSecretMember('Value', 'TagRole'); // false
 */
export function isSecretMember(name: string, eventName?: string): boolean {
  const { key, secret } = classify(name);
  if (secret) return true;
  const contextual =
    eventName === undefined || !Object.hasOwn(SECRET_IN_EVENT, eventName)
      ? undefined
      : SECRET_IN_EVENT[eventName];
  return contextual !== undefined && contextual.includes(key);
}

/** A member name's normalised form and whether it is a secret in every event. */
interface Classified {
  key: string;
  secret: boolean;
}

/**
 * Classifications of the member names seen so far: the same few dozen names (`roleArn`,
 * `credentials`, `sessionToken`...) come back on every request, and normalising and matching
 * them is most of the redaction pass's work. Names come from requests, so the cache stops growing
 * at {@link CLASSIFIED_MAX} entries; names beyond it are classified each time, the same way.
 */
const classified = new Map<string, Classified>();
const CLASSIFIED_MAX = 4096;

function classify(name: string): Classified {
  const known = classified.get(name);
  if (known !== undefined) return known;
  const key = normalise(name);
  const secret =
    key !== '' && (SECRET_NAMES.has(key) || SECRET_FRAGMENTS.some((fragment) => key.includes(fragment)));
  const result: Classified = { key, secret };
  if (classified.size < CLASSIFIED_MAX) classified.set(name, result);
  return result;
}

/**
 * A copy of `value` with every secret member's value replaced by {@link HIDDEN}. Objects and
 * arrays are walked to any depth; a secret member holding an object is hidden whole, except the
 * `credentials` object, whose `accessKeyId` and `expiration` stay (CloudTrail's AssumeRole shape).
 *
 * @example
 * redact({ credentials: { accessKeyId: 'ASIA…', secretAccessKey: 's', sessionToken: 't' } });
 * // { credentials: { accessKeyId: 'ASIA…', secretAccessKey: 'HIDDEN_…', sessionToken: 'HIDDEN_…' } }
 */
export function redact<T extends JsonValue>(value: T, eventName?: string): T {
  return walk(value, eventName) as T;
}

function walk(value: JsonValue, eventName: string | undefined): JsonValue {
  if (Array.isArray(value)) return value.map((item) => walk(item, eventName));
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: JsonValue } = {};
  for (const [key, member] of Object.entries(value)) {
    const walkable = member !== null && typeof member === 'object';
    // `credentials`-like containers are walked so their access key id survives; any other
    // secret member is hidden whatever it holds.
    const redacted =
      isSecretMember(key, eventName) && !(walkable && classify(key).key === 'credentials')
        ? HIDDEN
        : walk(member, eventName);
    setOwn(out, key, redacted);
  }
  return out;
}

/**
 * `target[key] = value` as an own member even for `__proto__`: member names come from requests,
 * and plain assignment would set the object's prototype instead.
 */
export function setOwn(target: object, key: string | number, value: JsonValue): void {
  // Only `__proto__` is an accessor on the objects and arrays built here (plain `{}` and `[]`):
  // every other name assigned becomes an own, enumerable, writable, configurable data member,
  // exactly what `defineProperty` makes, and assignment keeps the object in V8's fast mode
  // (defining members one by one turns it into a dictionary, which is slower to build and to
  // `JSON.stringify`: the access log does both on every request).
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    (target as Record<string | number, JsonValue>)[key] = value;
  }
}
