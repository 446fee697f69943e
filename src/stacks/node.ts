/**
 * The template as a tree of located nodes: what `load.ts` produces from YAML or JSON and what the
 * resolver walks. Intrinsic functions are their own node kind whichever form they were written in
 * (`!GetAtt A.B` and `{"Fn::GetAtt": ["A", "B"]}` give the same node), so no later step needs to
 * know about YAML tags.
 */
import type { Position } from './errors.js';

interface NodeBase {
  /** Dotted path from the template root, used in error messages. */
  path: string;
  /** Where the node starts in the text. */
  position?: Position;
}

export interface ScalarNode extends NodeBase {
  kind: 'scalar';
  value: string | number | boolean | null;
}

export interface SeqNode extends NodeBase {
  kind: 'seq';
  items: TemplateNode[];
}

export interface MapEntry {
  key: string;
  keyPosition?: Position;
  value: TemplateNode;
}

export interface MapNode extends NodeBase {
  kind: 'map';
  entries: MapEntry[];
}

/** `Ref`, `Condition` or `Fn::<Name>`, with its one argument node. */
export interface FnNode extends NodeBase {
  kind: 'fn';
  name: string;
  arg: TemplateNode;
}

export type TemplateNode = ScalarNode | SeqNode | MapNode | FnNode;

/** The intrinsic functions credplane evaluates. */
export const SUPPORTED_FUNCTIONS = [
  'Ref',
  'Condition',
  'Fn::GetAtt',
  'Fn::Sub',
  'Fn::Join',
  'Fn::Select',
  'Fn::Split',
  'Fn::If',
  'Fn::Equals',
  'Fn::Not',
  'Fn::And',
  'Fn::Or',
  'Fn::FindInMap',
  'Fn::Base64',
  'Fn::GetAZs',
  'Fn::ImportValue',
] as const;

/** Functions CloudFormation knows that credplane recognises only to reject them with a clear message. */
export const UNSUPPORTED_FUNCTIONS = [
  'Fn::Cidr',
  'Fn::Transform',
  'Fn::Length',
  'Fn::ToJsonString',
  'Fn::ForEach',
  'Fn::GetStackOutputs',
] as const;

/** The YAML short-form tag for a function: `!Ref`, `!Condition`, `!GetAtt`, ... */
export function tagForFunction(name: string): string {
  return `!${name.startsWith('Fn::') ? name.slice(4) : name}`;
}

/** The function a YAML tag stands for, or undefined when the tag is not a CloudFormation one. */
export function functionForTag(tag: string): string | undefined {
  const all: readonly string[] = [...SUPPORTED_FUNCTIONS, ...UNSUPPORTED_FUNCTIONS];
  return all.find((name) => tagForFunction(name) === tag);
}

/** A child path: `a.b` for keys, `a[0]` for indexes; keys with dots or brackets are quoted. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const shown = /^[A-Za-z0-9_:-]+$/.test(key) ? key : JSON.stringify(key);
  return parent === '' ? shown : `${parent}.${shown}`;
}

/** The entry for `key` in a map node, if present. */
export function entry(node: MapNode, key: string): MapEntry | undefined {
  return node.entries.find((e) => e.key === key);
}

/** A short human name for a node's kind, for messages like "expected a list, found a string". */
export function describeNode(node: TemplateNode): string {
  switch (node.kind) {
    case 'scalar':
      return node.value === null
        ? 'null'
        : typeof node.value === 'string'
          ? 'a string'
          : `a ${typeof node.value}`;
    case 'seq':
      return 'a list';
    case 'map':
      return 'a map';
    case 'fn':
      return `${node.name}`;
  }
}
