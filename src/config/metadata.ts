/**
 * credplane's settings inside a template: `Metadata: { Credplane: { AccountId: '111122223333' } }`.
 * CloudFormation keeps `Metadata` for tools, so the same template still deploys on AWS.
 */
import { ValidationError } from '../errors.js';
import { parseTemplateText } from './load.js';
import type { MapNode, TemplateNode } from './node.js';

function entry(map: TemplateNode | undefined, key: string): TemplateNode | undefined {
  return map?.kind === 'map' ? map.entries.find((e) => e.key === key)?.value : undefined;
}

/**
 * The account id the template asks for, if any.
 *
 * @example
 * templateAccountId('Metadata:\n  Credplane:\n    AccountId: "111122223333"\nResources: {}'); // '111122223333'
 */
export function templateAccountId(text: string): string | undefined {
  const root: MapNode = parseTemplateText(text);
  const node = entry(entry(entry(root, 'Metadata'), 'Credplane'), 'AccountId');
  if (node === undefined) return undefined;
  const value = node.kind === 'scalar' ? String(node.value) : undefined;
  if (value === undefined || !/^\d{12}$/.test(value)) {
    throw new ValidationError(`Metadata.Credplane.AccountId must be a 12-digit account id (${node.path})`);
  }
  return value;
}
