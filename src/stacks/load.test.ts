import { describe, expect, it } from 'vitest';
import { TemplateError } from './errors.js';
import { parseTemplateText } from './load.js';
import { entry, type MapNode, type TemplateNode } from './node.js';

function strip(node: TemplateNode): unknown {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(strip);
    case 'map':
      return Object.fromEntries(node.entries.map((e) => [e.key, strip(e.value)]));
    case 'fn':
      return { fn: node.name, arg: strip(node.arg) };
  }
}

function field(root: MapNode, key: string): TemplateNode {
  const e = entry(root, key);
  if (!e) throw new Error(`no ${key}`);
  return e.value;
}

function errorOf(text: string): TemplateError {
  try {
    parseTemplateText(text);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return e as TemplateError;
  }
  throw new Error('expected an error');
}

describe('parseTemplateText', () => {
  it('reads every short-form tag as the same node as its long form', () => {
    const pairs: [string, string][] = [
      ['!Ref X', '{"Ref": "X"}'],
      ['!GetAtt A.B', '{"Fn::GetAtt": "A.B"}'],
      ['!GetAtt [A, B]', '{"Fn::GetAtt": ["A", "B"]}'],
      ['!Sub "a-${X}"', '{"Fn::Sub": "a-${X}"}'],
      ['!Sub ["${X}", {X: y}]', '{"Fn::Sub": ["${X}", {"X": "y"}]}'],
      ['!Join [",", [a, b]]', '{"Fn::Join": [",", ["a", "b"]]}'],
      ['!Select [0, [a]]', '{"Fn::Select": [0, ["a"]]}'],
      ['!Split [",", "a,b"]', '{"Fn::Split": [",", "a,b"]}'],
      ['!If [C, a, b]', '{"Fn::If": ["C", "a", "b"]}'],
      ['!Equals [a, b]', '{"Fn::Equals": ["a", "b"]}'],
      ['!Not [!Condition C]', '{"Fn::Not": [{"Condition": "C"}]}'],
      ['!And [!Condition C, !Condition D]', '{"Fn::And": [{"Condition": "C"}, {"Condition": "D"}]}'],
      ['!Or [!Condition C, !Condition D]', '{"Fn::Or": [{"Condition": "C"}, {"Condition": "D"}]}'],
      ['!FindInMap [M, a, b]', '{"Fn::FindInMap": ["M", "a", "b"]}'],
      ['!Base64 hi', '{"Fn::Base64": "hi"}'],
      ['!GetAZs ""', '{"Fn::GetAZs": ""}'],
      ['!ImportValue Name', '{"Fn::ImportValue": "Name"}'],
      ['!Cidr [a, 1, 2]', '{"Fn::Cidr": ["a", 1, 2]}'],
    ];
    for (const [short, long] of pairs) {
      const y = strip(field(parseTemplateText(`V: ${short}\n`), 'V'));
      const j = strip(field(parseTemplateText(`{"V": ${long}}`), 'V'));
      expect(y, short).toEqual(j);
      expect((y as { fn?: string }).fn, short).toBeDefined();
    }
  });

  it('keeps line and column for nodes and keys', () => {
    const root = parseTemplateText('A: 1\nResources:\n  R:\n    Type: !Ref X\n');
    const r = field(root, 'Resources');
    expect(r.position).toEqual({ line: 3, column: 3 });
    const rMap = r as MapNode;
    expect(rMap.entries[0]?.keyPosition).toEqual({ line: 3, column: 3 });
    const type = field(field(r as MapNode, 'R') as MapNode, 'Type');
    expect(type.kind).toBe('fn');
    expect(type.position).toEqual({ line: 4, column: 16 });
    expect(type.path).toBe('Resources.R.Type');
  });

  it('reads JSON (with tabs) with positions', () => {
    const root = parseTemplateText('{\n\t"Resources": {\n\t\t"R": {"Type": "AWS::IAM::Role"}\n\t}\n}');
    expect(field(root, 'Resources').position).toEqual({ line: 2, column: 15 });
  });

  it('keeps plain numbers JSON would write differently as text (account ids with a leading zero)', () => {
    const root = parseTemplateText('A: 012345678901\nB: 42\nC: 1.5\nD: 0x1F\n');
    expect(strip(root)).toEqual({ A: '012345678901', B: 42, C: 1.5, D: '0x1F' });
  });

  it('rejects an unknown tag at its position', () => {
    const e = errorOf('A: 1\nB: !Bogus x\n');
    expect(e.message).toContain('unknown tag !Bogus');
    expect(e.position).toEqual({ line: 2, column: 11 });
    expect(e.code).toBe('ValidationError');
    expect(e.status).toBe(400);
  });

  it('rejects text that is not YAML, with a line', () => {
    const e = errorOf('A: [1,\nB: 2\n');
    expect(e.message).toMatch(/not valid YAML or JSON/);
    expect(e.position?.line).toBeGreaterThanOrEqual(1);
  });

  it('rejects duplicate keys and non-map roots', () => {
    expect(errorOf('A: 1\nA: 2\n').message).toContain('duplicate key');
    expect(errorOf('- a\n- b\n').message).toContain('must be a map');
    expect(errorOf('').message).toContain('must be a map');
  });

  it('caps alias expansion and nesting instead of exhausting memory or the stack', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i += 1) {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      lines.push(
        `${next}: &${next} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`,
      );
    }
    expect(errorOf(`${lines.join('\n')}\n`).message).toContain('more than');
    const deep = `A: ${'['.repeat(300)}${']'.repeat(300)}\n`;
    expect(errorOf(deep).message).toMatch(/nesting is deeper|not valid/);
  });
});
