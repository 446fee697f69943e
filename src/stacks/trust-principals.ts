/**
 * The IAM users and roles a stack role's trust policy names as AWS principals, which IAM resolves
 * to their unique ids when it stores the policy, refusing one that does not exist ("Invalid
 * principal in policy"; IAM User Guide, "IAM identifiers" → "Unique identifiers"). A stack is held
 * to the same rule as `CreateRole` (`iam-api/documents.ts`), else a trust stored by name would
 * trust whoever later creates a user or role of that name.
 */
import type { Store } from '../store/store.js';
import type { DesiredState, PolicyDocument } from './desired.js';

const PRINCIPAL = /^arn:([^:]+):iam::(\d{12}):(role|user)\/(.+)$/;

/** A user or role ARN named as an AWS principal, with where it sits in the document. */
export interface TrustPrincipal {
  arn: string;
  kind: 'role' | 'user';
  accountId: string;
  name: string;
  statement: number;
}

/** The user and role ARNs (no wildcards) of `partition` that the trust document names. */
export function trustPrincipalsOf(document: PolicyDocument, partition: string): TrustPrincipal[] {
  const out: TrustPrincipal[] = [];
  const raw = document['Statement'];
  const statements = Array.isArray(raw) ? raw : [raw];
  for (const [i, statement] of statements.entries()) {
    if (statement === null || typeof statement !== 'object' || Array.isArray(statement)) continue;
    const principal = statement['Principal'];
    if (principal === null || typeof principal !== 'object' || Array.isArray(principal)) continue;
    const aws = principal['AWS'];
    for (const value of Array.isArray(aws) ? aws : [aws]) {
      if (typeof value !== 'string' || /[*?]/.test(value)) continue;
      const match = PRINCIPAL.exec(value);
      if (match === null || match[1] !== partition) continue;
      out.push({
        arn: value,
        kind: match[3] as 'role' | 'user',
        accountId: match[2]!,
        name: match[4]!.slice(match[4]!.lastIndexOf('/') + 1),
        statement: i,
      });
    }
  }
  return out;
}

/** Whether the stack itself declares a user or role with exactly this ARN. */
export function declaredByStack(desired: DesiredState, arn: string): boolean {
  return desired.users.some((u) => u.arn === arn) || desired.roles.some((r) => r.arn === arn);
}

/**
 * The ARNs the store must find, row-locked, in the transaction that writes the trust policy
 * (`trustPrincipals` of `CreateRoleInput`/`UpdateRoleInput`): every user and role of an account
 * the store holds, except those the stack declares (made in the same transaction, and no one
 * else's). Checked only before the transaction, a principal deleted in between would stay named
 * by ARN.
 */
export async function trustPrincipalsToLock(
  store: Store,
  desired: DesiredState,
  document: PolicyDocument,
): Promise<string[]> {
  const held = new Map<string, boolean>();
  const out: string[] = [];
  for (const p of trustPrincipalsOf(document, store.partition)) {
    if (declaredByStack(desired, p.arn)) continue;
    let holds = held.get(p.accountId);
    if (holds === undefined) {
      holds = await store.getAccount(p.accountId).then(
        () => true,
        () => false,
      );
      held.set(p.accountId, holds);
    }
    if (holds) out.push(p.arn);
  }
  return out;
}
