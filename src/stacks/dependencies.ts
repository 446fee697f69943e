/**
 * Which resources a resource depends on (through `Ref`, `Fn::GetAtt`, `Fn::Sub` and `DependsOn`),
 * and the order to build them in. Only the branch of an `Fn::If` that its condition selects counts,
 * as only that branch is ever evaluated.
 */
import { templateError } from './errors.js';
import { parseSub, splitGetAtt } from './intrinsics.js';
import type { FnNode, TemplateNode } from './node.js';

/** A name a node refers to, with the function node that refers to it. */
export interface Reference {
  name: string;
  /** Set for `Fn::GetAtt` (and `${A.B}` in `Fn::Sub`). */
  attribute?: string;
  at: FnNode;
}

/**
 * Every name referred to under `node`. Names that are not resources (parameters, pseudo
 * parameters, `Fn::Sub` variables) are included; the caller sorts them out.
 *
 * @example
 * collectReferences(propertiesNode, (name) => conditions.get(name) ?? false).map((r) => r.name);
 */
export function collectReferences(
  node: TemplateNode,
  condition: (name: string, at: FnNode) => boolean,
): Reference[] {
  const out: Reference[] = [];
  const visit = (n: TemplateNode): void => {
    switch (n.kind) {
      case 'scalar':
        return;
      case 'seq':
        n.items.forEach(visit);
        return;
      case 'map':
        n.entries.forEach((e) => visit(e.value));
        return;
      case 'fn':
        visitFn(n);
    }
  };
  const visitFn = (fn: FnNode): void => {
    const arg = fn.arg;
    if (fn.name === 'Ref' && arg.kind === 'scalar' && typeof arg.value === 'string') {
      out.push({ name: arg.value, at: fn });
      return;
    }
    if (fn.name === 'Fn::GetAtt') {
      if (arg.kind === 'scalar' && typeof arg.value === 'string') {
        const split = splitGetAtt(arg.value);
        if (split) out.push({ name: split[0], attribute: split[1], at: fn });
        return;
      }
      if (arg.kind === 'seq') {
        const [id, attr] = arg.items;
        if (id?.kind === 'scalar' && typeof id.value === 'string') {
          const attribute = attr?.kind === 'scalar' ? String(attr.value) : undefined;
          out.push(
            attribute === undefined ? { name: id.value, at: fn } : { name: id.value, attribute, at: fn },
          );
        }
        if (attr) visit(attr);
      }
      return;
    }
    if (fn.name === 'Fn::Sub') {
      const [text, vars] = arg.kind === 'seq' ? arg.items : [arg, undefined];
      const bound = new Set(vars?.kind === 'map' ? vars.entries.map((e) => e.key) : []);
      if (vars) visit(vars);
      if (text?.kind === 'scalar' && typeof text.value === 'string') {
        for (const part of parseSub(text.value, text)) {
          if (!('name' in part) || bound.has(part.name)) continue;
          const split = part.name.includes('::') ? undefined : splitGetAtt(part.name);
          out.push(split ? { name: split[0], attribute: split[1], at: fn } : { name: part.name, at: fn });
        }
      }
      return;
    }
    if (fn.name === 'Fn::If' && arg.kind === 'seq' && arg.items.length === 3) {
      const [nameNode, whenTrue, whenFalse] = arg.items as [TemplateNode, TemplateNode, TemplateNode];
      if (nameNode.kind === 'scalar' && typeof nameNode.value === 'string') {
        visit(condition(nameNode.value, fn) ? whenTrue : whenFalse);
        return;
      }
    }
    visit(arg);
  };
  visit(node);
  return out;
}

/**
 * Orders ids so that each comes after everything it depends on; ties keep template order.
 * A cycle throws a `TemplateError` that names it: `Circular dependency between resources: A -> B -> A`.
 *
 * @example
 * topologicalOrder(['Role', 'Profile'], new Map([['Profile', new Set(['Role'])]])); // ['Role', 'Profile']
 */
export function topologicalOrder(
  ids: readonly string[],
  dependsOn: ReadonlyMap<string, ReadonlySet<string>>,
): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  // Iterative depth-first search: templates may chain hundreds of resources; no recursion limit applies.
  for (const start of ids) {
    if (state.has(start)) continue;
    const stack: { id: string; deps: string[]; next: number }[] = [];
    const push = (id: string): void => {
      state.set(id, 'visiting');
      stack.push({
        id,
        deps: [...(dependsOn.get(id) ?? [])].sort((a, b) => ids.indexOf(a) - ids.indexOf(b)),
        next: 0,
      });
    };
    push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const dep = top.deps[top.next];
      if (dep === undefined) {
        state.set(top.id, 'done');
        order.push(top.id);
        stack.pop();
        continue;
      }
      top.next += 1;
      const s = state.get(dep);
      if (s === 'done') continue;
      if (s === 'visiting') {
        const from = stack.findIndex((f) => f.id === dep);
        const cycle = [...stack.slice(from).map((f) => f.id), dep];
        throw templateError({
          path: 'Resources',
          logicalId: dep,
          message: `Circular dependency between resources: ${cycle.join(' -> ')}`,
        });
      }
      push(dep);
    }
  }
  return order;
}
