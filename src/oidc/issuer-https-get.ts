/**
 * One GET to an OIDC issuer (discovery document or JWKS), trusting its TLS certificate the way IAM
 * does. The IAM User Guide (UpdateOpenIDConnectProviderThumbprint; "Obtain the thumbprint for an
 * OpenID Connect identity provider",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html):
 * the certificate is first verified against the library of trusted root CAs; only when it is not
 * signed by one of them is the provider's thumbprint list used — the hex SHA-1 of the certificate
 * at the top of the chain the server presents (the last one `openssl s_client -showcerts` prints:
 * the top intermediate CA, or the root when the server sends it). So an issuer behind a private CA
 * federates when its provider lists that CA's thumbprint, without a process-wide
 * `NODE_EXTRA_CA_CERTS`, and is refused when it lists none or another.
 *
 * Under a thumbprint, the rest of the chain is still checked here: each certificate is issued and
 * signed by the next, the CA certificates are CAs, none is outside its validity period, and the
 * leaf names the host. Only failures to find a trusted root fall back to thumbprints; an expired or
 * misnamed certificate is refused whatever the list says.
 */
import { createHash, X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import tls from 'node:tls';

export interface IssuerGetOptions {
  timeoutMs: number;
  maxBytes: number;
  /** The IAM OIDC provider's thumbprints (40 hex digits each), any case. */
  thumbprints: readonly string[];
  now?: () => number;
}

/** Why a GET failed, in words fit for an `IDPCommunicationError` message. */
export class IssuerGetError extends Error {}

/** OpenSSL verification results that mean "no trusted root", the only case thumbprints answer. */
const UNTRUSTED_ROOT = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

/** The certificates the server presented, leaf first, in issuance order. */
function presentedChain(socket: tls.TLSSocket): tls.PeerCertificate[] {
  const chain: tls.PeerCertificate[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert !== undefined && cert.raw !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(cert);
    cert = cert.issuerCertificate as tls.DetailedPeerCertificate | undefined;
  }
  return chain;
}

/** The thumbprint IAM means: SHA-1 over the DER of the top certificate of the presented chain. */
export function chainThumbprint(chain: readonly { raw: Buffer }[]): string | undefined {
  const top = chain.at(-1);
  return top === undefined ? undefined : createHash('sha1').update(top.raw).digest('hex');
}

/** Undefined when the connection may be used; otherwise why not. */
function judgeConnection(
  socket: tls.TLSSocket,
  hostname: string,
  options: IssuerGetOptions,
): string | undefined {
  if (socket.authorized) return undefined;
  const problem = String(socket.authorizationError ?? 'unknown TLS error');
  if (!UNTRUSTED_ROOT.has(problem)) return `its TLS certificate was refused (${problem})`;
  const pinned = new Set(options.thumbprints.map((t) => t.toLowerCase()));
  if (pinned.size === 0) {
    return `its TLS certificate is not signed by a trusted CA (${problem}) and the OIDC provider has no thumbprints`;
  }
  const chain = presentedChain(socket);
  const thumbprint = chainThumbprint(chain);
  if (thumbprint === undefined || !pinned.has(thumbprint)) {
    return `its TLS certificate is not signed by a trusted CA (${problem}) and the top certificate of its chain matches none of the OIDC provider's thumbprints`;
  }
  const now = (options.now ?? Date.now)();
  const x509 = chain.map((c) => new X509Certificate(c.raw));
  for (let i = 0; i < x509.length; i++) {
    const cert = x509[i]!;
    if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
      return 'a certificate of its chain is outside its validity period';
    }
    const issuer = x509[i + 1];
    if (issuer !== undefined && (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey) || !issuer.ca)) {
      return 'its certificate chain does not verify';
    }
  }
  const named = tls.checkServerIdentity(hostname, chain[0]!);
  return named === undefined ? undefined : `its TLS certificate does not name ${hostname}`;
}

/**
 * GET `url`; resolves the status and, for 200, the body (at most `maxBytes`). No redirects.
 *
 * @example
 * const { status, body } = await issuerHttpsGet(new URL('https://idp.internal/.well-known/openid-configuration'), { timeoutMs: 3000, maxBytes: 65536, thumbprints: ['9e99…'] });
 */
export function issuerHttpsGet(
  url: URL,
  options: IssuerGetOptions,
): Promise<{ status: number; body: string }> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    let settled = false;
    let tlsSocket: tls.TLSSocket | undefined;
    const fail = (message: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      // A connection still being judged is not the request's yet: close it too.
      tlsSocket?.destroy();
      reject(new IssuerGetError(message));
    };
    const requestOptions: https.RequestOptions = {
      method: 'GET',
      headers: { accept: 'application/json' },
    };
    if (url.protocol === 'https:') {
      // The connection is judged before the request is written to it.
      requestOptions.createConnection = ((
        _options: unknown,
        oncreate: (error: Error | null, socket?: Socket) => void,
      ) => {
        const socket = (tlsSocket = tls.connect({
          host: hostname,
          port: Number(url.port || 443),
          ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
          rejectUnauthorized: false,
          ALPNProtocols: ['http/1.1'],
        }));
        socket.once('error', (error) => oncreate(error));
        socket.once('secureConnect', () => {
          const problem = judgeConnection(socket, hostname, options);
          if (problem === undefined) {
            oncreate(null, socket);
          } else {
            socket.destroy();
            fail(`the issuer at ${url.host} was not trusted: ${problem}`);
          }
        });
        return undefined;
      }) as unknown as https.RequestOptions['createConnection'];
    }
    const request = (url.protocol === 'https:' ? https : http).request(url, requestOptions, (response) => {
      const status = response.statusCode ?? 0;
      if (status !== 200) {
        response.resume();
        settled = true;
        clearTimeout(timer);
        request.destroy();
        resolve({ status, body: '' });
        return;
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        fail(`the response is larger than ${options.maxBytes} bytes`);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) fail(`the response is larger than ${options.maxBytes} bytes`);
        else chunks.push(chunk);
      });
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', () => fail('the response was cut short'));
    });
    const timer = setTimeout(() => fail('the request timed out'), options.timeoutMs);
    request.on('error', (error) =>
      fail(`the request failed (${(error as NodeJS.ErrnoException).code ?? error.message})`),
    );
    request.end();
  });
}
