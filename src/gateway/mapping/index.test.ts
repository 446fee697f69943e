import { describe, expect, it } from 'vitest';
import { mapperForSigningName, requestErrorShape } from './index.js';

describe('mapper registry', () => {
  it('finds mappers by signing name and nothing else', () => {
    expect(mapperForSigningName('sqs')?.service).toBe('sqs');
    expect(mapperForSigningName('secretsmanager')?.protocol).toBe('json');
    expect(mapperForSigningName('execute-api')).toBeUndefined();
    expect(mapperForSigningName('constructor')).toBeUndefined();
  });

  it('answers SQS Query requests in the Query shape and JSON ones in the JSON shape', () => {
    const sqs = mapperForSigningName('sqs');
    if (sqs === undefined) throw new Error('no sqs mapper');
    expect(requestErrorShape(sqs, { headers: {} })).toEqual({
      protocol: 'query',
      errorNamespace: 'http://queue.amazonaws.com/doc/2012-11-05/',
    });
    expect(requestErrorShape(sqs, { headers: { 'x-amz-target': 'AmazonSQS.SendMessage' } })).toEqual({
      protocol: 'json',
      errorNamespace: 'com.amazonaws.sqs#',
    });
    const dynamodb = mapperForSigningName('dynamodb');
    if (dynamodb === undefined) throw new Error('no dynamodb mapper');
    expect(requestErrorShape(dynamodb, { headers: {} })).toEqual({
      protocol: 'json',
      errorNamespace: 'com.amazonaws.dynamodb.v20120810#',
    });
  });
});
