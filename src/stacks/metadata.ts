/**
 * credplane's settings inside a template: `Metadata: { Credplane: { AccountId: '111122223333' } }`.
 * CloudFormation keeps `Metadata` for tools, so the same template still deploys on AWS.
 */
import { ValidationError } from '../errors.js';
import { parseGatewayMetadata, type GatewaySettings } from '../gateway/config.js';
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

type PlainValue = string | number | boolean | null | PlainValue[] | { [key: string]: PlainValue };

/** A metadata node as plain data; intrinsic functions have no meaning in `Metadata`. */
function plain(node: TemplateNode): PlainValue {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(plain);
    case 'map':
      return Object.fromEntries(node.entries.map((e) => [e.key, plain(e.value)]));
    case 'fn':
      throw new ValidationError(`${node.path}: intrinsic functions are not allowed in Metadata.Credplane`);
  }
}

/**
 * The gateway settings the template asks for (`Metadata.Credplane.Gateway`), if any.
 *
 * @example
 * templateGatewaySettings("Metadata:\n  Credplane:\n    Gateway:\n      Backends: { '*': 'http://127.0.0.1:5000' }\nResources: {}");
 * // { backends: { '*': { url: 'http://127.0.0.1:5000' } }, modes: {} }
 */
export function templateGatewaySettings(text: string): GatewaySettings | undefined {
  const root: MapNode = parseTemplateText(text);
  const node = entry(entry(entry(root, 'Metadata'), 'Credplane'), 'Gateway');
  return node === undefined ? undefined : parseGatewayMetadata(plain(node), 'Metadata.Credplane.Gateway');
}
