import { describe, expect, it } from 'vitest';
import { parseTaskDefinitionReference } from './task-definitions.js';

describe('parseTaskDefinitionReference', () => {
  it('accepts family, family:revision and the task definition ARN, as RunTask does', () => {
    expect(parseTaskDefinitionReference('orders')).toEqual({ family: 'orders' });
    expect(parseTaskDefinitionReference('orders:12')).toEqual({ family: 'orders', revision: 12 });
    expect(
      parseTaskDefinitionReference('arn:aws:ecs:us-east-1:123456789012:task-definition/orders-v2:3'),
    ).toEqual({ family: 'orders-v2', revision: 3 });
  });

  it('answers ClientException for anything else', () => {
    for (const bad of ['', 'a b', 'orders:x', 'orders:1:2', '../etc', 'x'.repeat(256)]) {
      expect(() => parseTaskDefinitionReference(bad)).toThrow(
        expect.objectContaining({ code: 'ClientException' }),
      );
    }
  });
});
