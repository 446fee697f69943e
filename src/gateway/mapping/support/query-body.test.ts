import { describe, expect, it } from 'vitest';
import { handRequest } from '../test-support/capture.js';
import { queryInput } from './query-body.js';

describe('Query protocol parameters for the gateway mappers', () => {
  it('reads member lists (SNS) and flattened lists (SQS) in index order', () => {
    const params = queryInput(
      handRequest({
        body: 'Action=X&Tags.member.2.Key=b&Tags.member.2.Value=2&Tags.member.1.Key=a&TagKey.10=z&TagKey.2=y&TagKeys.member.1=k',
      }),
    );
    expect(params.pairs('Tags', true)).toEqual([
      { key: 'a', value: '' },
      { key: 'b', value: '2' },
    ]);
    expect(params.list('TagKey', false)).toEqual(['y', 'z']);
    expect(params.list('TagKeys', true)).toEqual(['k']);
  });

  it('takes URL query parameters and the form together; a repeat with the same value is harmless', () => {
    const params = queryInput(
      handRequest({ query: [['Action', 'ListQueues']], body: 'Action=ListQueues&A=1&A=1&B=2' }),
    );
    expect(params.action).toBe('ListQueues');
    expect(params.get('A')).toBe('1');
    expect(params.get('B')).toBe('2');
  });

  it('refuses a name repeated with different values (backends differ on which one wins)', () => {
    for (const request of [
      handRequest({ query: [['Action', 'ListQueues']], body: 'Action=DeleteQueue' }),
      handRequest({ body: 'Action=ListQueues&Action=DeleteQueue' }),
      handRequest({ body: 'Action=X&A=1&A=2' }),
      handRequest({
        query: [
          ['QueueUrl', 'a'],
          ['QueueUrl', 'b'],
        ],
        body: 'Action=X',
      }),
    ]) {
      expect(() => queryInput(request)).toThrow(
        expect.objectContaining({ code: 'MalformedQueryString', status: 400 }),
      );
    }
  });

  it('refuses bad percent-encoding and oversized parameter counts with MalformedQueryString', () => {
    expect(() => queryInput(handRequest({ body: 'Action=%E0%A4%A' }))).toThrow(
      expect.objectContaining({ code: 'MalformedQueryString', status: 400 }),
    );
    const many = Array.from({ length: 2001 }, (_, i) => `P${i}=1`).join('&');
    expect(() => queryInput(handRequest({ body: many }))).toThrow(
      expect.objectContaining({ code: 'MalformedQueryString' }),
    );
  });

  it('require() is MissingParameter for an absent or empty parameter', () => {
    const params = queryInput(handRequest({ body: 'Action=X&Empty=' }));
    expect(() => params.require('Empty')).toThrow(expect.objectContaining({ code: 'MissingParameter' }));
    expect(() => params.require('Absent')).toThrow(expect.objectContaining({ code: 'MissingParameter' }));
  });
});
