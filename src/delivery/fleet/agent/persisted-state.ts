/**
 * What the agent serves, kept across its own restarts (static stability when the server is away
 * at the moment the agent starts): the instances and tasks placed on the node and their current
 * credential sets, in `<state-dir>/cache.sealed`.
 *
 * Sealed with AES-256-GCM under a random 256-bit key kept beside the node's private key
 * (`<state-dir>/cache.key`, 0600; whoever can read one can read the other, and the key pair is
 * replaced at every renewal while this key is not), bound to the node name as associated data.
 * Written atomically (a temporary file, fsync, rename) with mode 0600, so a crash leaves the old
 * or the new state, never a torn one. A file that does not open (other key, tampered, torn by an
 * older version) is ignored: the agent then starts as if it had no state.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { NodeTask } from '../node-tasks.js';
import type { NodeCredentials, NodeInstance } from '../node-workloads.js';

export interface AgentSnapshot {
  instances: NodeInstance[];
  tasks: NodeTask[];
  /** `instance:<id>:<delivery>` and `task:<id>` → the set last fetched. */
  credentials: Record<string, NodeCredentials>;
}

const VERSION = 1;

function writeAtomic(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export class PersistedState {
  private readonly file: string;
  private readonly key: Buffer;
  private readonly aad: Buffer;
  private snapshot: AgentSnapshot = { instances: [], tasks: [], credentials: {} };

  constructor(
    stateDir: string,
    node: string,
    private readonly log?: (message: string, fields?: Record<string, unknown>) => void,
  ) {
    this.file = path.join(stateDir, 'cache.sealed');
    const keyFile = path.join(stateDir, 'cache.key');
    if (!fs.existsSync(keyFile)) writeAtomic(keyFile, randomBytes(32));
    this.key = fs.readFileSync(keyFile);
    this.aad = Buffer.from(`credplane-agent-cache/v${VERSION}/${node}`);
  }

  /** The state saved by the last run, or `undefined` (none, or it does not open). */
  load(): AgentSnapshot | undefined {
    let sealed: Buffer;
    try {
      sealed = fs.readFileSync(this.file);
    } catch {
      return undefined;
    }
    try {
      const iv = sealed.subarray(0, 12);
      const tag = sealed.subarray(12, 28);
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAAD(this.aad);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
      this.snapshot = JSON.parse(plain.toString('utf8')) as AgentSnapshot;
      return this.snapshot;
    } catch {
      this.log?.('the saved state does not open; starting without it', { file: this.file });
      return undefined;
    }
  }

  credential(key: string): NodeCredentials | undefined {
    return this.snapshot.credentials[key];
  }

  setCredential(key: string, c: NodeCredentials): void {
    this.snapshot.credentials[key] = c;
    this.save();
  }

  /** What is placed now; credential sets of anything no longer placed are dropped. */
  setPlacement(instances: NodeInstance[], tasks: NodeTask[]): void {
    const live = new Set([
      ...instances.map((i) => `instance:${i.instanceId}:`),
      ...tasks.map((t) => `task:${t.taskId}`),
    ]);
    const credentials = Object.fromEntries(
      Object.entries(this.snapshot.credentials).filter(([k]) =>
        [...live].some((prefix) => k === prefix || k.startsWith(prefix)),
      ),
    );
    const unchanged = JSON.stringify({ instances, tasks, credentials }) === JSON.stringify(this.snapshot);
    this.snapshot = { instances, tasks, credentials };
    if (!unchanged) this.save();
  }

  private save(): void {
    try {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.key, iv);
      cipher.setAAD(this.aad);
      const body = Buffer.concat([cipher.update(JSON.stringify(this.snapshot), 'utf8'), cipher.final()]);
      writeAtomic(this.file, Buffer.concat([iv, cipher.getAuthTag(), body]));
    } catch (error) {
      this.log?.('could not save the agent state', { error: (error as Error).message });
    }
  }
}
