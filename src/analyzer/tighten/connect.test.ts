import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectIam } from './connect.js';

function writeAwsFiles(dir: string, url: string): void {
  fs.mkdirSync(path.join(dir, 'aws'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'aws', 'config'),
    `[profile credplane-admin]\nregion = us-east-1\nendpoint_url = ${url}\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'aws', 'credentials'),
    '[credplane-admin]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = example\n',
  );
}

describe('connectIam', () => {
  it('falls back to the store when the data directory has no AWS files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-connect-'));
    expect((await connectIam(dir, 'web')).kind).toBe('store');
  });

  it('falls back to the store when nothing listens at the recorded endpoint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-connect-'));
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as net.AddressInfo;
        server.close(() => resolve(p));
      });
    });
    writeAwsFiles(dir, `http://127.0.0.1:${port}`);
    expect((await connectIam(dir, 'web')).kind).toBe('store');
  });

  it("uses the IAM API when it answers, and surfaces the API's refusal", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-connect-'));
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        const missing = body.includes('RoleName=missing');
        res.writeHead(missing ? 404 : 200, { 'content-type': 'text/xml' });
        res.end(
          missing
            ? '<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name missing cannot be found.</Message></Error></ErrorResponse>'
            : '<GetRoleResponse/>',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      writeAwsFiles(dir, `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
      const via = await connectIam(dir, 'web');
      expect(via.kind).toBe('iam-api');
      expect(bodies[0]).toBe('Action=GetRole&RoleName=web&Version=2010-05-08');
      await expect(connectIam(dir, 'missing')).rejects.toMatchObject({ code: 'NoSuchEntity' });
    } finally {
      server.close();
    }
  });
});
