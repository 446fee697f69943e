/**
 * The fleet's part of the `Store` (`store.ts`): nodes enrolled with `credplane node add`, the
 * certificates issued to them, and the plane's node CA (docs/fleet-agent.md).
 */
/** A fleet node (`credplane node add`): its join token as a hash, and whether it was used. */
export interface NodeRecord {
  name: string;
  createDate: Date;
  /** Hex SHA-256 of the join token's secret. */
  joinTokenHash: string;
  joinTokenExpiresAt: Date;
  joinTokenUsedAt?: Date;
}

export interface NodeCertificateRecord {
  /** Hex serial number of the X.509 certificate. */
  serial: string;
  nodeName: string;
  issuedAt: Date;
  notAfter: Date;
}

export interface NodeCaRecord {
  certificatePem: string;
  /** The CA's PKCS#8 private key sealed under the master key. */
  sealedKey: Uint8Array;
  createDate: Date;
}

/** The fleet's nodes, the certificates they hold, and the plane's node CA. No change events. */
export interface NodeStore {
  /** `EntityAlreadyExists` when the name is taken. */
  createNode(input: { name: string; joinTokenHash: string; joinTokenExpiresAt: Date }): Promise<NodeRecord>;
  getNode(name: string): Promise<NodeRecord | undefined>;
  listNodes(): Promise<NodeRecord[]>;
  /**
   * Marks the node's join token used if `joinTokenHash` is its hash, it is unused and it expires
   * after `usedAt`; `true` for exactly one caller, `false` otherwise.
   */
  useJoinToken(name: string, joinTokenHash: string, usedAt: Date): Promise<boolean>;
  /** Removes the node and every certificate issued to it; `NoSuchEntity` when there is none. */
  deleteNode(name: string): Promise<void>;
  /** Records a certificate issued to an existing node (`NoSuchEntity` otherwise). */
  addNodeCertificate(record: NodeCertificateRecord): Promise<void>;
  /** The certificate with this serial, while it and its node are recorded. */
  findNodeCertificate(serial: string): Promise<NodeCertificateRecord | undefined>;
  getNodeCa(): Promise<NodeCaRecord | undefined>;
  /** Stores the CA unless one is stored already; resolves the stored one either way. */
  putNodeCaIfAbsent(record: { certificatePem: string; sealedKey: Uint8Array }): Promise<NodeCaRecord>;
}
