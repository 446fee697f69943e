import { describe, expect, it } from 'vitest';
import { loadService } from '../../catalog/iam-actions.js';
import type { CatalogService } from '../../catalog/iam-actions.js';
import type { AuthorizationCheck, MappedRequest } from '../types.js';
import { createS3Mapper } from './s3.js';
import { S3_COVERAGE, S3_KNOWN_UNMAPPED } from './s3-coverage.js';
import { s3Command } from './test-support/s3-commands.js';
import { captureS3, presignS3 } from './test-support/s3-sdk.js';

const mapper = createS3Mapper({ now: () => Date.parse('2026-01-01T00:05:00Z') });

function mapped(result: ReturnType<typeof mapper.map>): MappedRequest {
  if ('unmapped' in result) throw new Error(`unmapped: ${result.operation ?? '?'}`);
  return result;
}

/**
 * AWS's catalogue does not list these keys for the action; credplane provides them from the tag
 * set in the body so that tag-governance policies (`aws:TagKeys`, `aws:RequestTag/*`) apply to
 * bucket tagging as they do to `CreateBucket` (documented in `s3.ts`).
 */
const DOCUMENTED_EXTRA_KEYS: Record<string, RegExp> = {
  's3:PutBucketTagging': /^aws:(?:RequestTag\/.+|TagKeys)$/i,
};

function allowedKeys(service: CatalogService, check: AuthorizationCheck): string[] {
  const action = service.actions.get(check.action.slice(3).toLowerCase());
  if (action === undefined) throw new Error(`${check.action} is not in the catalogue`);
  const keys = [...action.conditionKeys];
  for (const rt of action.resourceTypes)
    keys.push(...(service.resourceTypes.get(rt.name)?.conditionKeys ?? []));
  return keys.map((k) => k.toLowerCase());
}

function keyAllowed(allowed: string[], key: string): boolean {
  const lower = key.toLowerCase();
  return allowed.some((a) => {
    const template = /^(.*\/)(?:<key>|\$\{tagkey\})$/.exec(a);
    return template
      ? lower.startsWith(template[1] as string) && lower.length > (template[1] as string).length
      : a === lower;
  });
}

/** The catalogue resource type an ARN of the check stands for. */
function resourceKind(resource: string): string {
  if (resource === '*') return '*';
  return resource.slice('arn:aws:s3:::'.length).includes('/') ? 'object' : 'bucket';
}

describe('S3 coverage: every mapped operation, sent by the JS SDK', () => {
  it('lists each operation once', () => {
    const names = S3_COVERAGE.map((e) => e.operation);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(90);
    expect(S3_KNOWN_UNMAPPED).toContain('CreateSession');
  });

  for (const { operation, actions } of S3_COVERAGE) {
    it(`${operation} maps to ${operation} (${actions.join('; ')})`, async () => {
      for (const endpoint of ['http://127.0.0.1:4566', 'http://localhost:4566']) {
        const request = await captureS3(s3Command(operation), { endpoint });
        const body = mapper.needsBody(request) ? request.body : undefined;
        const result = mapped(mapper.map({ ...request, body }));
        expect(result.operation).toBe(operation);
        expect(result.checks.length).toBeGreaterThan(0);
      }
    });
  }
});

describe('S3 condition keys against the AWS catalogue', async () => {
  const service = (await loadService('s3')) as CatalogService;

  for (const { operation } of S3_COVERAGE) {
    it(`${operation}: actions, resource types and every key exist for the action`, async () => {
      const variants = [
        await captureS3(s3Command(operation, {}, true)),
        await captureS3(s3Command(operation, { VersionId: undefined }, true)),
        await presignS3(s3Command(operation, {}, true), new Date('2026-01-01T00:00:00Z')),
      ];
      for (const request of variants) {
        const body = mapper.needsBody(request) ? request.body : undefined;
        let result: MappedRequest;
        try {
          result = mapped(mapper.map({ ...request, body }));
        } catch (error) {
          // A presigned URL cannot carry the body (DeleteObjects, tagging) the mapping reads.
          if (request.body === undefined && mapper.needsBody(request)) continue;
          throw error;
        }
        for (const check of result.checks) {
          const action = service.actions.get(check.action.slice(3).toLowerCase());
          expect(action, check.action).toBeDefined();
          expect(check.action).toBe(action?.action);
          const kinds = action?.resourceTypes.map((r) => r.name) ?? [];
          if (kinds.length === 0) expect(check.resource).toBe('*');
          else expect(kinds, `${check.action} on ${check.resource}`).toContain(resourceKind(check.resource));
          const allowed = allowedKeys(service, check);
          for (const key of Object.keys(check.context)) {
            if (DOCUMENTED_EXTRA_KEYS[check.action]?.test(key)) continue;
            expect(keyAllowed(allowed, key), `${check.action} has no condition key ${key}`).toBe(true);
          }
          // Completeness: the signature keys are there whenever the action supports them.
          const expected = [
            's3:authType',
            's3:signatureversion',
            's3:ResourceAccount',
            's3:x-amz-content-sha256',
          ];
          if (request.query.some(([n]) => n === 'X-Amz-Signature')) expected.push('s3:signatureAge');
          for (const key of expected) {
            if (allowed.includes(key.toLowerCase()))
              expect(check.context, `${check.action} ${key}`).toHaveProperty([key]);
          }
        }
      }
    });
  }
});
