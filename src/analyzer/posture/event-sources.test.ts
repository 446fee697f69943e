import { describe, expect, it } from 'vitest';
import { workloadSourceOf } from './event-sources.js';

describe('workloadSourceOf', () => {
  it('names the workload of each delivery channel', () => {
    const src = (channel: string, requestParameters: object, userIdentity: object = {}) =>
      workloadSourceOf({ channel, record: { userIdentity, requestParameters } as never });
    expect(src('imds', { sourceArn: 'arn:aws:ec2:us-east-1:123456789012:instance/i-0abc' })).toBe(
      'imds:i-0abc',
    );
    expect(
      src('lambda', { sourceArn: 'arn:aws:lambda:us-east-1:123456789012:function:report:$LATEST' }),
    ).toBe('lambda:report');
    // Tasks of one definition are one workload; a task ARN alone names no definition.
    expect(
      src('container', { roleSessionName: '4f1c', sourceArn: 'arn:aws:ecs:us-east-1:1:task/c/4f1c' }),
    ).toBe('container');
    expect(src('container', { taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/orders:3' })).toBe(
      'container:arn:aws:ecs:us-east-1:1:task-definition/orders',
    );
    expect(
      src(
        'sts',
        { roleArn: 'x' },
        {
          type: 'WebIdentityUser',
          identityProvider: 'oidc.example/id/1',
          userName: 'system:serviceaccount:a:b',
        },
      ),
    ).toBe('web-identity:oidc.example/id/1:system:serviceaccount:a:b');
  });

  it('gives calls made with the credentials no source', () => {
    expect(
      workloadSourceOf({ channel: 'gateway', record: { userIdentity: { type: 'AssumedRole' } } }),
    ).toBeUndefined();
    expect(workloadSourceOf({ channel: 'iam', record: {} })).toBeUndefined();
  });
});
