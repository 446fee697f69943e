import { describe, expect, it } from 'vitest';
import {
  lambdaFunctionOf,
  metadataOptionsOf,
  parseWorkloadSettings,
  WorkloadSettingsError,
} from './index.js';

const at = <K extends Parameters<typeof parseWorkloadSettings>[0]['kind']>(kind: K) => ({
  accountId: '111122223333',
  kind,
  name: 'w',
});

describe('parseWorkloadSettings', () => {
  it('accepts what RunInstances stores and keeps keys no schema names', () => {
    const settings = {
      instanceId: 'i-0123456789abcdef0',
      imageId: 'ami-12345678',
      instanceType: 'm1.small',
      instanceProfileName: 'web',
      associatedAt: '2024-01-01T00:00:00.000Z',
      metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' },
      tags: [{ key: 'Name', value: 'web' }],
      imdsPort: 41000,
      laterField: { any: ['json'] },
    };
    const parsed = parseWorkloadSettings(at('ec2-instance'), settings);
    expect(parsed).toEqual(settings);
    expect(metadataOptionsOf(parsed)).toEqual({
      httpTokens: 'required',
      httpPutResponseHopLimit: 2,
      httpEndpoint: 'enabled',
      httpProtocolIpv6: 'disabled',
      instanceMetadataTags: 'disabled',
    });
  });

  it('refuses a field of the wrong type, naming the workload and the field but not the value', () => {
    const error = (() => {
      try {
        parseWorkloadSettings(at('lambda-function'), { environment: { TOKEN: { secret: 'hunter2' } } });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(WorkloadSettingsError);
    const e = error as WorkloadSettingsError;
    expect(e.message).toContain('lambda-function/w');
    expect(e.problems.map((p) => p.split(':')[0])).toEqual(['environment.TOKEN']);
    expect(e.message).not.toContain('hunter2');
    expect(() => parseWorkloadSettings(at('ec2-instance'), [])).toThrow(WorkloadSettingsError);
    expect(() =>
      parseWorkloadSettings(at('ec2-instance'), { metadataOptions: { httpPutResponseHopLimit: 65 } }),
    ).toThrow(/metadataOptions\.httpPutResponseHopLimit/);
  });

  it('fills Lambda defaults and keeps the code source stored', () => {
    const s = parseWorkloadSettings(at('lambda-function'), {
      code: { s3Bucket: 'b', s3Key: 'k', s3ObjectVersion: '3' },
    });
    expect(lambdaFunctionOf(s, 'arn:aws:iam::111122223333:role/r')).toEqual({
      roleArn: 'arn:aws:iam::111122223333:role/r',
      code: { s3Bucket: 'b', s3Key: 'k', s3ObjectVersion: '3' },
      timeout: 3,
      memorySize: 128,
      environment: {},
    });
  });
});
