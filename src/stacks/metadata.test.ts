import { describe, expect, it } from 'vitest';
import { loadTemplate } from './index.js';
import { templateAccountId } from './metadata.js';

const template = (metadata: string): string =>
  `${metadata}
Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] }
`;

describe('templateAccountId', () => {
  it('reads Metadata.Credplane.AccountId, keeping leading zeros', () => {
    expect(templateAccountId(template("Metadata:\n  Credplane:\n    AccountId: '012345678901'"))).toBe(
      '012345678901',
    );
    expect(templateAccountId(template(''))).toBeUndefined();
  });

  it('rejects anything but 12 digits', () => {
    expect(() => templateAccountId(template('Metadata:\n  Credplane:\n    AccountId: abc'))).toThrow(
      /12-digit/,
    );
  });

  it('leaves the template loadable (CloudFormation keeps Metadata for tools)', () => {
    const state = loadTemplate(template("Metadata:\n  Credplane:\n    AccountId: '111122223333'"), {
      stackName: 's',
      accountId: '111122223333',
      region: 'us-east-1',
    });
    expect(state.roles).toHaveLength(1);
  });
});
