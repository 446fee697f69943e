/**
 * IAM's quotas that the model enforces (IAM User Guide, "IAM and AWS STS quotas"). The adjustable
 * ones are at their default values.
 */
export const IAM_QUOTAS = {
  /** Versions of one managed policy, the default included. */
  policyVersions: 5,
  /** Managed policies attached to one role (default quota; AWS lets accounts raise it to 20). */
  managedPoliciesPerRole: 10,
  /** Managed policies attached to one user or one group (default quota). */
  managedPoliciesPerUser: 10,
  managedPoliciesPerGroup: 10,
  /** Groups one user can be a member of (fixed). */
  groupsPerUser: 10,
  /** Access keys of one user (fixed). */
  accessKeysPerUser: 2,
  /** Characters of all of a user's (group's) inline policies together, whitespace not counted. */
  userInlinePolicySize: 2048,
  groupInlinePolicySize: 5120,
  /** MFA devices enabled for one user (fixed; IAM User Guide, "Using multi-factor authentication"). */
  mfaDevicesPerUser: 8,
  /** Roles in one instance profile: fixed at one. */
  rolesPerInstanceProfile: 1,
  /** Tags on one IAM resource. */
  tagsPerResource: 50,
} as const;
