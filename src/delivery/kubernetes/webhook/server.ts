/**
 * The mutating admission webhook over HTTPS on 127.0.0.1: `POST /mutate` with an AdmissionReview,
 * and the `MutatingWebhookConfiguration` that points a cluster's API server at it (failurePolicy
 * `Fail`: if credplane cannot answer, pods are not created with the wrong identity).
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, readBody, TOO_LARGE_HEADERS } from '../../../http/body.js';
import { BadAdmissionReviewError, reviewPodAdmission, type AdmissionOptions } from './admission.js';
import type { WebhookTls } from './certificates.js';

export const WEBHOOK_PATH = '/mutate';

/**
 * Largest AdmissionReview read (a review carries one Pod object, far smaller); past it the webhook
 * answers 413 rather than buffering what a misbehaving client sends.
 */
const MAX_REVIEW_BYTES = 2 * 1024 * 1024;

export interface RunningWebhook {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * @example
 * const webhook = await startAdmissionWebhook({ cluster, store, tls, port: 0 });
 * console.log(mutatingWebhookConfiguration(webhook.url, tls.caCert));
 */
export function startAdmissionWebhook(
  options: AdmissionOptions & { tls: WebhookTls; port?: number },
): Promise<RunningWebhook> {
  const server = https.createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    const send = (status: number, body: string, type = 'application/json'): void => {
      res.writeHead(status, status === 413 ? TOO_LARGE_HEADERS : { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'POST' || req.url?.split('?', 1)[0] !== WEBHOOK_PATH) {
      req.resume();
      send(404, 'not found\n', 'text/plain');
      return;
    }
    readBody(req, MAX_REVIEW_BYTES)
      .then(async (body) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          throw new BadAdmissionReviewError('the body is not JSON');
        }
        send(200, JSON.stringify(await reviewPodAdmission(parsed, options)));
      })
      .catch((error: unknown) => {
        if (error instanceof BodyTooLargeError) send(413, 'request entity too large\n', 'text/plain');
        else if (error instanceof BadAdmissionReviewError) send(400, `${error.message}\n`, 'text/plain');
        else send(500, 'internal error\n', 'text/plain');
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `https://127.0.0.1:${port}${WEBHOOK_PATH}`,
        port,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** The configuration to `kubectl apply` so the API server calls the webhook for every new Pod. */
export function mutatingWebhookConfiguration(url: string, caCert: string): string {
  return [
    'apiVersion: admissionregistration.k8s.io/v1',
    'kind: MutatingWebhookConfiguration',
    'metadata:',
    '  name: credplane-pod-identity-webhook',
    'webhooks:',
    '  - name: irsa.credplane.dev',
    '    admissionReviewVersions: ["v1"]',
    '    sideEffects: None',
    '    failurePolicy: Fail',
    '    reinvocationPolicy: IfNeeded',
    '    clientConfig:',
    `      url: ${url}`,
    `      caBundle: ${Buffer.from(caCert).toString('base64')}`,
    '    rules:',
    '      - operations: ["CREATE"]',
    '        apiGroups: [""]',
    '        apiVersions: ["v1"]',
    '        resources: ["pods"]',
    '',
  ].join('\n');
}
