/**
 * IAM's quotas that the model enforces (IAM User Guide, "IAM and AWS STS quotas"). The adjustable
 * ones are at their default values.
 */
export const IAM_QUOTAS = {
  /** Versions of one managed policy, the default included. */
  policyVersions: 5,
  /** Managed policies attached to one role (default quota; AWS lets accounts raise it to 20). */
  managedPoliciesPerRole: 10,
  /** Roles in one instance profile: fixed at one. */
  rolesPerInstanceProfile: 1,
  /** Tags on one IAM resource. */
  tagsPerResource: 50,
} as const;
