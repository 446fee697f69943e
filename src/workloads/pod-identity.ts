/**
 * The `eks-pod-identity` workload (name = `cluster/namespace/serviceaccount`): an EKS Pod Identity
 * association as `credplane apply` stores it, with the id and ARN `CreatePodIdentityAssociation`
 * would assign.
 */
import { z } from 'zod';
import { ownershipShape } from './common.js';

export const podIdentitySettingsSchema = z.object({
  ...ownershipShape,
  clusterName: z.string().optional(),
  namespace: z.string().optional(),
  serviceAccount: z.string().optional(),
  roleArn: z.string().optional(),
  associationId: z.string().optional(),
  associationArn: z.string().optional(),
});
export type PodIdentitySettings = z.infer<typeof podIdentitySettingsSchema>;
