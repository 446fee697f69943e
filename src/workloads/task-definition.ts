/**
 * The `ecs-task-definition` workload (name = family): the containers and roles `credplane apply`
 * stores, and the revision and ARN it assigns as `RegisterTaskDefinition` would.
 */
import { z } from 'zod';
import { ownershipShape } from './common.js';

export const containerSettingsSchema = z.object({
  name: z.string().optional(),
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  environment: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
});
export type ContainerSettings = z.infer<typeof containerSettingsSchema>;

export const taskDefinitionSettingsSchema = z.object({
  ...ownershipShape,
  taskRoleArn: z.string().optional(),
  executionRoleArn: z.string().optional(),
  containers: z.array(containerSettingsSchema).optional(),
  /** 1 on the first registration, one more on every change. */
  revision: z.number().int().min(1).optional(),
  taskDefinitionArn: z.string().optional(),
});
export type TaskDefinitionSettings = z.infer<typeof taskDefinitionSettingsSchema>;
