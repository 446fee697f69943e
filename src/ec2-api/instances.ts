/**
 * The EC2 instance operations the AWS CLI and SDKs use to run emulated instances: `RunInstances`
 * (with `IamInstanceProfile` and `MetadataOptions`), `DescribeInstances`, `TerminateInstances`,
 * `ModifyInstanceMetadataOptions`, `AssociateIamInstanceProfile`, `ReplaceIamInstanceProfileAssociation`,
 * `DisassociateIamInstanceProfile`, `DescribeIamInstanceProfileAssociations`.
 *
 * An instance is an `ec2-instance` workload named by its instance id; its settings hold what the
 * metadata service reads (`src/delivery/imds/service.ts`), so every change here applies to the
 * running metadata endpoint at once.
 */
import {
  associateIamInstanceProfile,
  describeIamInstanceProfileAssociations,
  disassociateIamInstanceProfile,
  replaceIamInstanceProfileAssociation,
} from './associations.js';
import type { Ec2Operation } from './context.js';
import { describeInstances, runInstances, terminateInstances } from './instance-lifecycle.js';
import { modifyInstanceMetadataOptions } from './metadata-options.js';

export { MAX_RUN_COUNT, type Ec2Context, type Ec2Operation } from './context.js';

export const INSTANCE_OPERATIONS: Readonly<Record<string, Ec2Operation>> = {
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  TerminateInstances: terminateInstances,
  ModifyInstanceMetadataOptions: modifyInstanceMetadataOptions,
  AssociateIamInstanceProfile: associateIamInstanceProfile,
  ReplaceIamInstanceProfileAssociation: replaceIamInstanceProfileAssociation,
  DisassociateIamInstanceProfile: disassociateIamInstanceProfile,
  DescribeIamInstanceProfileAssociations: describeIamInstanceProfileAssociations,
};
