import { describe, expect, it } from 'vitest';
import { unbindPrincipal } from './principal-binding.js';

const BOB = 'arn:aws:iam::123456789012:user/bob';
const ID = 'AIDAQ3EXAMPLE7Z9K2LMN';
const trust = (aws: unknown, statementAsObject = false) => {
  const statement = { Effect: 'Allow', Principal: { AWS: aws }, Action: 'sts:AssumeRole' };
  return JSON.stringify({ Version: '2012-10-17', Statement: statementAsObject ? statement : [statement] });
};

describe('unbindPrincipal', () => {
  it('replaces the ARN as a string, in a list, and in a single statement object', () => {
    expect(JSON.parse(unbindPrincipal(trust(BOB), BOB, ID)!).Statement[0].Principal.AWS).toBe(ID);
    const list = JSON.parse(unbindPrincipal(trust([BOB, `${BOB}2`]), BOB, ID)!);
    expect(list.Statement[0].Principal.AWS).toEqual([ID, `${BOB}2`]);
    expect(JSON.parse(unbindPrincipal(trust(BOB, true), BOB, ID)!).Statement.Principal.AWS).toBe(ID);
  });

  it('leaves other principals, longer ARNs, and other elements alone', () => {
    expect(unbindPrincipal(trust(`${BOB}by`), BOB, ID)).toBeUndefined();
    expect(unbindPrincipal(trust('arn:aws:iam::123456789012:user/BOB'), BOB, ID)).toBeUndefined();
    const inCondition = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: '123456789012' },
          Action: 'sts:AssumeRole',
          Condition: { ArnEquals: { 'aws:PrincipalArn': BOB } },
        },
      ],
    });
    expect(unbindPrincipal(inCondition, BOB, ID)).toBeUndefined();
    expect(unbindPrincipal('not json', BOB, ID)).toBeUndefined();
  });
});
