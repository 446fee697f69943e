import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GATEWAY_COVERAGE } from './mapping/coverage.js';

const GATEWAY_DOC = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'docs',
  'gateway.md',
);

/** docs/gateway.md's coverage rows as `Service | Operation | action, action`. */
function documentedRows(): string[] {
  const text = fs.readFileSync(GATEWAY_DOC, 'utf8');
  const start = text.indexOf('<!-- gateway-coverage:start -->');
  const end = text.indexOf('<!-- gateway-coverage:end -->');
  expect(start).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  return text
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Service') && !line.startsWith('| ---'))
    .map((line) => {
      const cells = line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim());
      const actions = [...cells[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
      return `${cells[0]} | ${cells[1]!.replace(/`/g, '')} | ${actions.join(', ')}`;
    });
}

describe('docs/gateway.md coverage table', () => {
  it('lists exactly the operations and actions the mappers cover, in their order', () => {
    const expected = GATEWAY_COVERAGE.flatMap((service) =>
      service.operations.map((op) => `${service.title} | ${op.operation} | ${op.actions.join(', ')}`),
    );
    expect(documentedRows()).toEqual(expected);
  });

  it('names every mapped service', () => {
    const services = new Set(documentedRows().map((row) => row.split(' | ')[0]));
    expect([...services]).toEqual(GATEWAY_COVERAGE.map((s) => s.title));
  });
});
