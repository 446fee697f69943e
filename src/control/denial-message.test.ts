import { describe, expect, it } from 'vitest';
import { iamMessageResource } from './denial-message.js';

describe('iamMessageResource: IAM names its own resources in AccessDenied sentences', () => {
  it('writes roles and users by name and policies by ARN', () => {
    expect(iamMessageResource('iam:DeleteRole', 'arn:aws:iam::123456789012:role/apps/locked')).toBe(
      'role locked',
    );
    expect(iamMessageResource('iam:GetUser', 'arn:aws:iam::123456789012:user/bob')).toBe('user bob');
    expect(iamMessageResource('iam:CreatePolicyVersion', 'arn:aws:iam::123456789012:policy/team/p')).toBe(
      'policy arn:aws:iam::123456789012:policy/team/p',
    );
  });

  it('keeps the ARN of anything else, and of every other service', () => {
    for (const [action, resource] of [
      ['iam:GetInstanceProfile', 'arn:aws:iam::123456789012:instance-profile/web'],
      ['iam:ListRoles', '*'],
      ['sts:AssumeRole', 'arn:aws:iam::123456789012:role/app'],
      ['s3:GetObject', 'arn:aws:s3:::bucket/role/x'],
    ] as const) {
      expect(iamMessageResource(action, resource)).toBe(resource);
    }
  });
});
