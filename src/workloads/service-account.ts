/**
 * The `eks-service-account` workload (name = `cluster/namespace/serviceaccount`): an IRSA service
 * account as `credplane eks apply` stores it from its manifest's annotations ("IAM roles for
 * service accounts", Amazon EKS User Guide).
 */
import { z } from 'zod';

export const serviceAccountSettingsSchema = z.object({
  clusterName: z.string().optional(),
  namespace: z.string().optional(),
  serviceAccount: z.string().optional(),
  /** The ServiceAccount's `metadata.uid`, assigned when first applied. */
  uid: z.string().optional(),
  roleArn: z.string().optional(),
  audience: z.string().optional(),
  stsRegionalEndpoints: z.boolean().optional(),
  tokenExpirationSeconds: z.number().int().optional(),
});
export type ServiceAccountSettings = z.infer<typeof serviceAccountSettingsSchema>;
