/**
 * The reference for "how fast can node:http answer at all on this machine": a bare server that
 * answers every request with a fixed GetCallerIdentity-sized XML body. Prints its port on stdout.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const body =
  '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
  '<Arn>arn:aws:sts::111122223333:assumed-role/bench/bench</Arn><UserId>AROAEXAMPLEEXAMPLE001:bench</UserId>' +
  '<Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>' +
  '00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>';

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
