/**
 * The webhook's TLS material: a CA of its own and a server certificate for `127.0.0.1` signed by it,
 * made once with the `openssl` command and kept in `<dataDir>/oidc/webhook/` (mode 0600 keys). The
 * CA certificate is the `caBundle` of the printed `MutatingWebhookConfiguration`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface WebhookTls {
  caCert: string;
  cert: string;
  key: string;
}

/**
 * @example
 * const tls = ensureWebhookCertificates(path.join(dataDir, 'oidc', 'webhook'));
 */
export function ensureWebhookCertificates(dir: string): WebhookTls {
  const file = (name: string): string => path.join(dir, name);
  if (![file('ca.crt'), file('tls.crt'), file('tls.key')].every((f) => fs.existsSync(f))) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const run = (args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    };
    run([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '3650',
      '-subj',
      '/CN=credplane pod identity webhook CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    run([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'tls.key',
      '-out',
      'tls.csr',
      '-subj',
      '/CN=127.0.0.1',
    ]);
    fs.writeFileSync(
      file('tls.ext'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
    );
    run([
      'x509',
      '-req',
      '-in',
      'tls.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'tls.crt',
      '-days',
      '825',
      '-extfile',
      'tls.ext',
    ]);
    for (const f of ['ca.key', 'tls.key']) fs.chmodSync(file(f), 0o600);
    for (const f of ['tls.csr', 'tls.ext', 'ca.srl']) fs.rmSync(file(f), { force: true });
  }
  return {
    caCert: fs.readFileSync(file('ca.crt'), 'utf8'),
    cert: fs.readFileSync(file('tls.crt'), 'utf8'),
    key: fs.readFileSync(file('tls.key'), 'utf8'),
  };
}
