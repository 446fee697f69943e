/**
 * Pieces every workload kind's settings share: the ownership keys `credplane apply` writes (see
 * `src/stacks/ownership.ts`) and the `{ key, value }` tags of EC2.
 */
import { z } from 'zod';

/** Settings key naming the stack that wrote the workload (`src/stacks/ownership.ts`). */
export const STACK_KEY = 'credplane:stack';
/** Settings key naming the template's logical id (`src/stacks/ownership.ts`). */
export const LOGICAL_ID_KEY = 'credplane:logical-id';

/** The ownership keys, present on workloads a stack wrote. */
export const ownershipShape = {
  [STACK_KEY]: z.string().optional(),
  [LOGICAL_ID_KEY]: z.string().optional(),
};

export const tagSchema = z.object({ key: z.string(), value: z.string() });
export type Tag = z.infer<typeof tagSchema>;
