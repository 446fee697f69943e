/** The IAM model: ARNs, names and their rules, quotas, domain types and IAM's entity errors. */
export * from './arn.js';
export * from './errors.js';
export * from './names.js';
export * from './quotas.js';
export * from './types.js';
