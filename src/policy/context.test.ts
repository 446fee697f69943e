import { describe, expect, it } from 'vitest';
import { createRequestContext, principalContextKeys } from './context.js';

describe('request context', () => {
  it('keys are case-insensitive, including the tag part (reference_policies_condition-keys)', () => {
    const c = createRequestContext({ 'aws:PrincipalTag/CostCenter': '12' });
    expect(c.get('AWS:principaltag/costcenter')?.values[0]?.text).toBe('12');
    expect(c.getLower('aws:principaltag/costcenter')).toBeDefined();
    expect(c.variable('aws:PRINCIPALTAG/COSTCENTER')).toBe('12');
  });

  it('typed values keep a text form and parse lazily', () => {
    const c = createRequestContext({
      n: 2,
      b: true,
      d: new Date('2024-01-01T00:00:00Z'),
      bytes: new Uint8Array(Buffer.from('Binary')),
      ip: '2001:db8::1',
      s: '1.5',
    });
    expect(c.get('n')?.values[0]?.text).toBe('2');
    expect(c.get('n')?.values[0]?.asNumber()).toBe(2);
    expect(c.get('n')?.values[0]?.asDateMs()).toBe(2000);
    expect(c.get('b')?.values[0]?.text).toBe('true');
    expect(c.get('d')?.values[0]?.text).toBe('2024-01-01T00:00:00.000Z');
    expect(c.get('d')?.values[0]?.asDateMs()).toBe(Date.UTC(2024, 0, 1));
    expect(c.get('bytes')?.values[0]?.text).toBe('QmluYXJ5');
    expect(c.get('ip')?.values[0]?.asIp()?.words.length).toBe(8);
    expect(c.get('s')?.values[0]?.asNumber()).toBe(1.5);
    expect(c.get('s')?.values[0]?.asIp()).toBeNull();
  });

  it('arrays are multivalued keys (possibly empty); multivalued keys are not policy variables', () => {
    const c = createRequestContext({ 'aws:TagKeys': ['a', 'b'], empty: [] });
    expect(c.get('aws:tagkeys')).toMatchObject({ multi: true });
    expect(c.get('aws:tagkeys')?.values.map((v) => v.text)).toEqual(['a', 'b']);
    expect(c.get('empty')?.values).toEqual([]);
    expect(c.variable('aws:TagKeys')).toBeUndefined();
  });

  it('several sources: later ones win; with() returns a new context', () => {
    const c = createRequestContext({ a: '1', B: '1' }, { b: '2' });
    expect(c.variable('b')).toBe('2');
    const d = c.with({ a: '3' });
    expect(d.variable('a')).toBe('3');
    expect(c.variable('a')).toBe('1');
    expect([...d.keys()].sort()).toEqual(['a', 'b']);
  });

  it('reference_policies_condition-keys: principal keys per principal type (aws:PrincipalArn of a role session is the role ARN)', () => {
    expect(
      principalContextKeys({
        type: 'User',
        arn: 'arn:aws:iam::111122223333:user/alice',
        userId: 'AIDAALICE',
        userName: 'alice',
        account: '111122223333',
      }),
    ).toEqual({
      'aws:PrincipalArn': 'arn:aws:iam::111122223333:user/alice',
      'aws:username': 'alice',
      'aws:PrincipalType': 'User',
      'aws:userid': 'AIDAALICE',
      'aws:PrincipalAccount': '111122223333',
      'aws:PrincipalIsAWSService': 'false',
    });
    expect(
      principalContextKeys({
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/app/i-0abc',
        roleArn: 'arn:aws:iam::111122223333:role/path/app',
        userId: 'AROAAPP:i-0abc',
        account: '111122223333',
      }),
    ).toEqual({
      'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/path/app',
      'aws:PrincipalType': 'AssumedRole',
      'aws:userid': 'AROAAPP:i-0abc',
      'aws:PrincipalAccount': '111122223333',
      'aws:PrincipalIsAWSService': 'false',
    });
    expect(
      principalContextKeys({ type: 'Root', arn: 'arn:aws:iam::111122223333:root', account: '111122223333' }),
    ).toMatchObject({
      'aws:PrincipalType': 'Account',
      'aws:userid': '111122223333',
    });
    expect(principalContextKeys({ type: 'Anonymous' })).toEqual({
      'aws:PrincipalType': 'Anonymous',
      'aws:PrincipalAccount': 'anonymous',
    });
  });
});
