/**
 * Just enough of DynamoDB's expression grammar for authorization: the top-level attribute names an
 * expression touches (`dynamodb:Attributes`) and the `name = :value` equalities of a key condition
 * (`dynamodb:LeadingKeys`). Placeholders are resolved through `ExpressionAttributeNames`.
 *
 * Attribute names that are reserved words can only appear through `#placeholders`, so a bare word
 * that is a keyword is always the keyword.
 */
const KEYWORDS = new Set(['set', 'remove', 'add', 'delete', 'and', 'or', 'not', 'between', 'in']);

const TOKEN = /#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\]|<=|>=|<>|\S/g;

function tokens(expression: string): string[] {
  return expression.match(TOKEN) ?? [];
}

function resolve(token: string, names: Readonly<Record<string, string>>): string | undefined {
  if (token.startsWith('#')) return names[token];
  return /^[A-Za-z_]/.test(token) ? token : undefined;
}

/**
 * The top-level attribute names an expression reads or writes, in first-seen order.
 *
 * @example
 * expressionAttributeNames('SET #n = :v, tags[0] = :t REMOVE a.b', { '#n': 'name' }); // ['name', 'tags', 'a']
 */
export function expressionAttributeNames(
  expression: string,
  names: Readonly<Record<string, string>>,
): string[] {
  const list = tokens(expression);
  const out = new Set<string>();
  list.forEach((token, i) => {
    if (token.startsWith(':') || list[i - 1] === '.' || list[i + 1] === '(') return;
    if (!token.startsWith('#') && KEYWORDS.has(token.toLowerCase())) return;
    const name = resolve(token, names);
    if (name !== undefined) out.add(name);
  });
  return [...out];
}

/**
 * The `attribute = :value` equalities of a key condition expression, as (attribute name, value
 * placeholder) pairs; `:value = attribute` counts too.
 *
 * @example
 * keyEqualities('#pk = :u AND begins_with(sk, :p)', { '#pk': 'user' }); // [{ name: 'user', placeholder: ':u' }]
 */
export function keyEqualities(
  expression: string,
  names: Readonly<Record<string, string>>,
): { name: string; placeholder: string }[] {
  const list = tokens(expression);
  const out: { name: string; placeholder: string }[] = [];
  list.forEach((token, i) => {
    if (token !== '=') return;
    const left = list[i - 1];
    const right = list[i + 1];
    if (left === undefined || right === undefined) return;
    if (right.startsWith(':') && !left.startsWith(':') && list[i - 2] !== '.') {
      const name = attributeToken(left, names);
      if (name !== undefined) out.push({ name, placeholder: right });
    } else if (left.startsWith(':') && !right.startsWith(':')) {
      const after = list[i + 2];
      if (after === '.' || after?.startsWith('[') === true) return; // a nested path is never a key
      const name = attributeToken(right, names);
      if (name !== undefined) out.push({ name, placeholder: left });
    }
  });
  return out;
}

function attributeToken(token: string, names: Readonly<Record<string, string>>): string | undefined {
  if (!token.startsWith('#') && KEYWORDS.has(token.toLowerCase())) return undefined;
  return resolve(token, names);
}
