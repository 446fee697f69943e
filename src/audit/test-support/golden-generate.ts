/**
 * Writes `query-api-record.golden.json` from the tree it runs in: run once on the code before a
 * change to the record's building, then the golden test holds the new code to it.
 *
 * Usage: `npx tsx src/audit/test-support/golden-generate.ts <output.json>`
 */
import fs from 'node:fs';
import { goldenEvents } from './golden-events.js';

const output = process.argv[2];
if (output === undefined) throw new Error('usage: golden-generate.ts <output.json>');
fs.writeFileSync(output, `${JSON.stringify(await goldenEvents(), null, 2)}\n`);
