import {
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import type { MappedRequest } from '../types.js';
import { lambdaMapper } from './lambda.js';
import { capture, handRequest, offlineClientConfig } from './test-support/capture.js';

const client = new LambdaClient(offlineClientConfig);
const FN = 'arn:aws:lambda:us-east-1:111122223333:function:resize';

async function map(command: unknown): Promise<MappedRequest> {
  const request = await capture(client, command);
  expect(lambdaMapper.needsBody(request)).toBe(false);
  const result = lambdaMapper.map({ ...request, body: undefined });
  if ('unmapped' in result) throw new Error(`unmapped ${result.operation}`);
  return result;
}

describe('lambda mapper: requests as the JS SDK v3 sends them', () => {
  it.each([
    ['resize', undefined, FN],
    ['resize:prod', undefined, `${FN}:prod`],
    ['resize', '7', `${FN}:7`],
    ['111122223333:function:resize', undefined, FN],
    ['111122223333:function:resize:$LATEST', undefined, `${FN}:$LATEST`],
    [`${FN}:prod`, 'prod', `${FN}:prod`],
    [
      'arn:aws:lambda:eu-west-1:444455556666:function:shared',
      undefined,
      'arn:aws:lambda:eu-west-1:444455556666:function:shared',
    ],
  ])('Invoke %s (Qualifier %s) checks lambda:InvokeFunction on %s', async (name, qualifier, arn) => {
    const result = await map(
      new InvokeCommand({
        FunctionName: name,
        ...(qualifier === undefined ? {} : { Qualifier: qualifier }),
        Payload: Buffer.from('{"card":"4111"}'),
      }),
    );
    expect(result.operation).toBe('Invoke');
    expect(result.checks).toEqual([
      {
        action: 'lambda:InvokeFunction',
        resource: arn,
        ...(arn.includes('444455556666') ? { resourceAccount: '444455556666' } : {}),
        context: {},
      },
    ]);
    expect(JSON.stringify(result)).not.toContain('4111');
  });

  it('logs the invocation type', async () => {
    const result = await map(new InvokeCommand({ FunctionName: 'resize', InvocationType: 'Event' }));
    expect(result.requestParameters).toEqual({ functionName: 'resize', invocationType: 'Event' });
  });

  it('GetFunction with a qualifier; ListFunctions on *', async () => {
    expect((await map(new GetFunctionCommand({ FunctionName: 'resize', Qualifier: '3' }))).checks).toEqual([
      { action: 'lambda:GetFunction', resource: `${FN}:3`, context: {} },
    ]);
    expect((await map(new ListFunctionsCommand({}))).checks).toEqual([
      { action: 'lambda:ListFunctions', resource: '*', context: {} },
    ]);
  });

  it('a qualifier that contradicts the name, and a malformed name, are InvalidParameterValueException', () => {
    const path = `/2015-03-31/functions/${encodeURIComponent('resize:prod')}/invocations`;
    expect(() => lambdaMapper.map(handRequest({ path, query: [['Qualifier', 'dev']] }))).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValueException', status: 400 }),
    );
    expect(() =>
      lambdaMapper.map(handRequest({ path: '/2015-03-31/functions/a%3Ab%3Ac%3Ad%3Ae/invocations' })),
    ).toThrow(expect.objectContaining({ code: 'InvalidParameterValueException' }));
  });

  it('a Qualifier given twice with different values is refused (backends differ on which one wins)', () => {
    const path = '/2015-03-31/functions/resize/invocations';
    const query: [string, string][] = [
      ['Qualifier', 'dev'],
      ['Qualifier', 'prod'],
    ];
    expect(() => lambdaMapper.map(handRequest({ method: 'POST', path, query }))).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValueException', status: 400 }),
    );
  });

  it('other routes are unmapped', () => {
    expect(lambdaMapper.map(handRequest({ method: 'DELETE', path: '/2015-03-31/functions/resize' }))).toEqual(
      {
        unmapped: true,
        service: 'lambda',
        eventSource: 'lambda.amazonaws.com',
      },
    );
  });
});
