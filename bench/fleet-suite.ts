/**
 * `npm run bench -- fleet`: the replicas suite (`fleet.ts`: propagation between PostgreSQL
 * replicas, throughput through HAProxy), then the agents suite (`fleet-agents.ts`: the agent
 * port's CPU, traffic and the agent's memory for 10,000 workloads on 100 agents). Each also runs
 * alone as `fleet-replicas` and `fleet-agents`.
 */
import { runRounds as agents } from './fleet-agents.js';
import { runRounds as replicas } from './fleet.js';
import type { RoundsSuite } from './types.js';

export const runRounds: RoundsSuite = async (ctx) => {
  const a = await replicas(ctx);
  const b = await agents(ctx);
  return { cases: [...a.cases, ...b.cases], rows: [...a.rows, ...b.rows] };
};
