import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../../../crypto/index.js';
import { ClusterRegistry } from '../../../oidc/cluster-registry.js';
import { openStore } from '../../../store/open.js';
import type { Store } from '../../../store/store.js';
import { ensureWebhookCertificates, type WebhookTls } from './certificates.js';
import { mutatingWebhookConfiguration, startAdmissionWebhook, type RunningWebhook } from './server.js';

let dir: string;
let store: Store;
let tls: WebhookTls;
let webhook: RunningWebhook;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-webhook-tls-'));
  store = await openStore(':memory:');
  await store.createAccount({ accountId: '123456789012' });
  const cluster = new ClusterRegistry({ dataDir: dir, masterKey: generateMasterKey() }).create({
    name: 'demo',
    accountId: '123456789012',
    region: 'us-east-1',
    partition: 'aws',
    issuerBaseUrl: 'http://127.0.0.1:7300',
  });
  tls = ensureWebhookCertificates(path.join(dir, 'webhook'));
  webhook = await startAdmissionWebhook({ cluster, store, tls });
});

afterAll(async () => {
  await webhook.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function post(url: string, body: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The status the webhook answers to `body`, sent with a Content-Length or chunked in 64 KiB pieces.
 * Resolves on the response head: the server may close the connection while the client still writes.
 */
function statusOf(url: string, body: Buffer, ca: string, declareLength: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (declareLength) headers['content-length'] = body.length;
    const req = https.request(url, { method: 'POST', ca, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
    req.end();
  });
}

describe('admission webhook over HTTPS', () => {
  it('keeps its CA across restarts and keys private', () => {
    expect(ensureWebhookCertificates(path.join(dir, 'webhook')).caCert).toBe(tls.caCert);
    expect(fs.statSync(path.join(dir, 'webhook', 'tls.key')).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.join(dir, 'webhook')).sort()).toEqual([
      'ca.crt',
      'ca.key',
      'tls.crt',
      'tls.key',
    ]);
  });

  it('answers a review over TLS verified against the generated CA', async () => {
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'abc',
        kind: { kind: 'Pod' },
        operation: 'CREATE',
        namespace: 'x',
        object: { spec: {} },
      },
    };
    const response = await post(webhook.url, JSON.stringify(review), tls.caCert);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'abc', allowed: true },
    });
    expect((await post(webhook.url, '{not json', tls.caCert)).status).toBe(400);
    expect((await post(webhook.url.replace('/mutate', '/other'), '{}', tls.caCert)).status).toBe(404);
  });

  it('answers 413 to a body over its limit, declared or streamed, instead of 500 or a reset', async () => {
    const oversized = Buffer.alloc(3 * 1024 * 1024, 0x20);
    expect(await statusOf(webhook.url, oversized, tls.caCert, true)).toBe(413);
    expect(await statusOf(webhook.url, oversized, tls.caCert, false)).toBe(413);
    // The webhook still serves the next review.
    expect((await post(webhook.url, '{not json', tls.caCert)).status).toBe(400);
  });

  it('is not trusted without the CA (nothing falls back to plain trust)', async () => {
    await expect(post(webhook.url, '{}', '')).rejects.toThrow();
  });

  it('prints a MutatingWebhookConfiguration with failurePolicy Fail and the CA bundle', () => {
    const yaml = mutatingWebhookConfiguration(webhook.url, tls.caCert);
    expect(yaml).toContain('failurePolicy: Fail');
    expect(yaml).toContain(`url: ${webhook.url}`);
    expect(yaml).toContain(`caBundle: ${Buffer.from(tls.caCert).toString('base64')}`);
  });
});
