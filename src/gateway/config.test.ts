import { describe, expect, it } from 'vitest';
import { templateGatewaySettings } from '../stacks/metadata.js';
import { backendFor, mergeGatewaySettings, modeFor, parseGatewayFlags } from './config.js';

describe('gateway settings', () => {
  it('reads --backend and --gateway-mode, credentials from the URL user info', () => {
    const settings = parseGatewayFlags(
      ['*=http://127.0.0.1:5000', 's3=http://minio:minio%2Fsecret@127.0.0.1:9000/'],
      ['sqs=audit', 'sns:Publish=audit', 'sns=enforce'],
    );
    expect(backendFor(settings, 'dynamodb')).toEqual({ url: 'http://127.0.0.1:5000' });
    expect(backendFor(settings, 's3')).toEqual({
      url: 'http://127.0.0.1:9000',
      credentials: { accessKeyId: 'minio', secretAccessKey: 'minio/secret' },
    });
    expect(modeFor(settings, 'sqs', 'SendMessage')).toBe('audit');
    expect(modeFor(settings, 'sns', 'Publish')).toBe('audit');
    expect(modeFor(settings, 'sns', 'Subscribe')).toBe('enforce');
    expect(modeFor(settings, 'kms')).toBe('enforce');
  });

  it('refuses malformed flags with a message naming them', () => {
    expect(() => parseGatewayFlags(['s3'], [])).toThrow(/--backend must be key=value/);
    expect(() => parseGatewayFlags(['s3=https://example.com'], [])).toThrow(/only http:\/\//);
    expect(() => parseGatewayFlags(['s3=http://127.0.0.1:1/path'], [])).toThrow(/no path/);
    expect(() => parseGatewayFlags([], ['sqs=log'])).toThrow(/'enforce' or 'audit'/);
    expect(() => parseGatewayFlags([], ['SQS Send=audit'])).toThrow(/service:Operation/);
  });

  it('no backend at all when none is configured', () => {
    expect(backendFor(parseGatewayFlags([], []), 's3')).toBeUndefined();
  });

  it('reads Metadata.Credplane.Gateway; the CLI wins over it', () => {
    const template = `Metadata:
  Credplane:
    Gateway:
      Backends:
        '*': http://127.0.0.1:5000
        s3: { Url: 'http://127.0.0.1:9000', Region: eu-west-1, AccessKeyId: minio, SecretAccessKey: minio123 }
      Modes:
        sqs: audit
      IdleTimeoutMs: 1000
Resources: {}
`;
    const fromTemplate = templateGatewaySettings(template)!;
    expect(fromTemplate).toEqual({
      backends: {
        '*': { url: 'http://127.0.0.1:5000' },
        s3: {
          url: 'http://127.0.0.1:9000',
          region: 'eu-west-1',
          credentials: { accessKeyId: 'minio', secretAccessKey: 'minio123' },
        },
      },
      modes: { sqs: 'audit' },
      idleTimeoutMs: 1000,
    });
    const merged = mergeGatewaySettings(
      fromTemplate,
      parseGatewayFlags(['s3=http://127.0.0.1:9001'], ['sqs=enforce']),
    );
    expect(backendFor(merged, 's3')).toEqual({ url: 'http://127.0.0.1:9001' });
    expect(modeFor(merged, 'sqs')).toBe('enforce');
    expect(merged.idleTimeoutMs).toBe(1000);
    expect(templateGatewaySettings('Resources: {}')).toBeUndefined();
    expect(() =>
      templateGatewaySettings('Metadata:\n  Credplane:\n    Gateway:\n      Backend: x\nResources: {}'),
    ).toThrow(/unknown key 'Backend'/);
  });
});
