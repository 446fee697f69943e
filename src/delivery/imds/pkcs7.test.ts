import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentitySigner, type IdentitySigner } from './identity.js';
import { certificateDer, pkcs7Body, signedData } from './pkcs7.js';
import { createPrivateKey } from 'node:crypto';

const DOCUMENT = `{
  "accountId" : "123456789012",
  "architecture" : "x86_64",
  "availabilityZone" : "us-east-1a",
  "instanceId" : "i-0123456789abcdef0",
  "region" : "us-east-1",
  "version" : "2017-09-30"
}`;

let dir: string;
let identity: IdentitySigner;
let certFile: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-pkcs7-'));
  identity = createIdentitySigner();
  certFile = path.join(dir, 'certificate.pem');
  fs.writeFileSync(certFile, identity.certificatePem);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** AWS's documented recipe: wrap the served body in PKCS7 armour lines (the body has no final newline). */
function armoured(body: string): string {
  const file = path.join(dir, `p7-${Math.random().toString(36).slice(2)}.pem`);
  fs.writeFileSync(file, `-----BEGIN PKCS7-----\n${body}\n-----END PKCS7-----\n`);
  return file;
}

function openssl(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('PKCS#7 identity signatures', () => {
  it('is served as EC2 does: base64 in 64-character lines, no armour, no final newline', () => {
    const body = identity.pkcs7(DOCUMENT);
    const lines = body.split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^[A-Za-z0-9+/]{64}$/);
    expect(lines.at(-1)).toMatch(/^[A-Za-z0-9+/=]{1,64}$/);
    expect(body.endsWith('\n')).toBe(false);
  });

  it('openssl smime verifies it with the published certificate and yields the document', () => {
    const p7 = armoured(identity.pkcs7(DOCUMENT));
    const res = openssl([
      'smime',
      '-verify',
      '-inform',
      'PEM',
      '-in',
      p7,
      '-certfile',
      certFile,
      '-noverify',
    ]);
    expect(res.stderr).toContain('Verification successful');
    expect(res.status).toBe(0);
    expect(res.stdout).toBe(DOCUMENT);
  });

  it('openssl cms verifies it against the document given separately, as AWS documents', () => {
    const p7 = armoured(identity.pkcs7(DOCUMENT));
    const doc = path.join(dir, 'document');
    fs.writeFileSync(doc, DOCUMENT);
    const res = openssl([
      'cms',
      '-verify',
      '-inform',
      'PEM',
      '-in',
      p7,
      '-content',
      doc,
      '-certfile',
      certFile,
      '-noverify',
      '-binary',
      '-out',
      '/dev/null',
    ]);
    expect(res.stderr).toContain('Verification successful');
    expect(res.status).toBe(0);
  });

  it('the structure is SignedData v1 with SHA-256, RSA, signed attributes, and no certificates', () => {
    const p7 = armoured(identity.pkcs7(DOCUMENT));
    const printed = execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'PEM', '-in', p7], {
      encoding: 'utf8',
    });
    expect(printed).toContain('contentType: pkcs7-signedData');
    expect(printed).toContain('eContentType: pkcs7-data');
    expect(printed).toContain('algorithm: sha256');
    expect(printed).toContain('algorithm: rsaEncryption');
    expect(printed).toMatch(/object: signingTime/);
    expect(printed).toMatch(/object: messageDigest/);
    expect(printed).toMatch(/certificates:\s*<ABSENT>/);
  });

  it('fails verification for another document, another key, or a tampered signature', () => {
    const key = createPrivateKey(identity.privateKeyPem);
    const der = signedData(
      Buffer.from(DOCUMENT),
      { key, certificateDer: certificateDer(identity.certificatePem) },
      new Date(),
    );
    const other = path.join(dir, 'other');
    fs.writeFileSync(other, `${DOCUMENT} `);
    const detached = openssl([
      'cms',
      '-verify',
      '-inform',
      'PEM',
      '-in',
      armoured(pkcs7Body(der)),
      '-content',
      other,
      '-certfile',
      certFile,
      '-noverify',
      '-binary',
    ]);
    expect(detached.status).not.toBe(0);

    const stranger = createIdentitySigner();
    const foreign = openssl([
      'smime',
      '-verify',
      '-inform',
      'PEM',
      '-in',
      armoured(stranger.pkcs7(DOCUMENT)),
      '-certfile',
      certFile,
      '-noverify',
      '-nointern',
    ]);
    expect(foreign.status).not.toBe(0);

    const tampered = Buffer.from(der);
    tampered[tampered.length - 1]! ^= 0x01; // the last byte of the RSA signature
    const broken = openssl([
      'smime',
      '-verify',
      '-inform',
      'PEM',
      '-in',
      armoured(pkcs7Body(tampered)),
      '-certfile',
      certFile,
      '-noverify',
    ]);
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).not.toContain('Verification successful');
  });
});
