import { describe, expect, it } from 'vitest';
import { expressionAttributeNames, keyEqualities } from './dynamodb-expressions.js';

describe('DynamoDB expression reading for dynamodb:Attributes and dynamodb:LeadingKeys', () => {
  it.each([
    ['a, b.c, #n[0], d[1].e', { '#n': 'name' }, ['a', 'b', 'name', 'd']],
    [
      'SET #a = :v, b = if_not_exists(b, :z) + :one REMOVE c.d ADD e :s DELETE f :t',
      { '#a': 'A' },
      ['A', 'b', 'c', 'e', 'f'],
    ],
    ['set x = list_append(y, :l)', {}, ['x', 'y']],
    [
      'size(tags) > :n AND attribute_exists(#k) AND NOT contains(s, :v)',
      { '#k': 'key' },
      ['tags', 'key', 's'],
    ],
    ['#pk = :v AND #sk BETWEEN :a AND :b', { '#pk': 'user', '#sk': 'ts' }, ['user', 'ts']],
  ])('names in %s', (expression, names, expected) => {
    expect(expressionAttributeNames(expression, names)).toEqual(expected);
  });

  it('an unresolved placeholder names nothing', () => {
    expect(expressionAttributeNames('#missing, a', {})).toEqual(['a']);
  });

  it.each([
    ['#pk = :u AND begins_with(sk, :p)', { '#pk': 'user' }, [{ name: 'user', placeholder: ':u' }]],
    [':u = UserId', {}, [{ name: 'UserId', placeholder: ':u' }]],
    [
      '(pk = :a) AND (sk = :b)',
      {},
      [
        { name: 'pk', placeholder: ':a' },
        { name: 'sk', placeholder: ':b' },
      ],
    ],
    ['pk <= :a AND sk >= :b AND x <> :c', {}, []],
    ['m.pk = :a AND :b = n.sk AND :c = l[0]', {}, []],
  ])('equalities in %s', (expression, names, expected) => {
    expect(keyEqualities(expression, names)).toEqual(expected);
  });
});
