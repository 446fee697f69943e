/**
 * The metadata service of the hop-limit scenario, run inside the lab's `imds` network namespace:
 * `node hop-limit-server.js <addon> <hop-limit>` serves 169.254.169.254:80 (an address that exists
 * only inside that namespace) with token responses sent at IP TTL = hop limit.
 */
import { createImdsServer } from '../server.js';
import { ImdsTokens } from '../tokens.js';
import { loadSocketTtl } from '../socket-ttl.js';

const [addon = '', hop = '1'] = process.argv.slice(2);
const setSocketTtl = loadSocketTtl(addon).set;
const tokens = new ImdsTokens();
const state = {
  binding: { instanceId: 'i-0000000000000000a', generation: 'lab' },
  options: {
    httpTokens: 'required' as const,
    httpEndpoint: 'enabled' as const,
    httpPutResponseHopLimit: Number(hop),
  },
  tree: { latest: { 'meta-data': { 'instance-id': 'i-0000000000000000a' } } },
};
const endpoint = await createImdsServer({ state: () => state, tokens, setSocketTtl }, 80, '169.254.169.254');
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void endpoint.close().then(() => process.exit(0));
});
