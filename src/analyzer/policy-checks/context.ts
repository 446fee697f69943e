/**
 * What every check family gets: the parsed document, the policy kind, a `report` that turns a
 * problem into a `Finding`, and the statement's actions looked up in the catalogue once.
 */
import type { CatalogAction } from '../../catalog/iam-actions.js';
import { expandActionPattern, findAction, loadService } from '../../catalog/iam-actions.js';
import type { PatternList, PolicyDocument, SourceLocation, Statement } from '../../policy/ast.js';
import type { JsonValue } from '../../iam/types.js';
import type { Severity } from '../findings.js';
import { isUnresolved } from './patterns.js';

export type PolicyCheckKind = 'identity' | 'trust' | 'boundary' | 'resource' | 'scp';

export interface Report {
  (
    code: string,
    message: string,
    loc: SourceLocation,
    options?: { severity?: Severity; details?: { [key: string]: JsonValue } },
  ): void;
}

export interface CheckContext {
  document: PolicyDocument;
  kind: PolicyCheckKind;
  report: Report;
  /** The statement's Action/NotAction entries, looked up in the catalogue (memoised). */
  actionEntries(statement: Statement): Promise<ActionEntry[]>;
}

/**
 * One Action/NotAction value and what it names:
 * - `star`: `"*"`; `unresolved`: a template value credplane cannot know;
 * - `malformed`: not `service:Action` (the grammar check reports it);
 * - `unknown-service` / `unknown-action`: not in the catalogue; `ok`: `actions` holds the matches.
 */
export interface ActionEntry {
  text: string;
  loc: SourceLocation;
  status: 'star' | 'unresolved' | 'malformed' | 'unknown-service' | 'unknown-action' | 'ok';
  service?: string;
  actions: CatalogAction[];
}

const ACTION_PATTERN = /^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]*$/;

/** Looks one action value up in the catalogue. */
export async function resolveActionEntry(text: string, loc: SourceLocation): Promise<ActionEntry> {
  if (text === '*') return { text, loc, status: 'star', actions: [] };
  if (isUnresolved(text)) return { text, loc, status: 'unresolved', actions: [] };
  if (!ACTION_PATTERN.test(text)) return { text, loc, status: 'malformed', actions: [] };
  const colon = text.indexOf(':');
  const service = text.slice(0, colon).toLowerCase();
  const wildService = /[*?]/.test(service);
  if (!wildService && (await loadService(service)) === undefined) {
    return { text, loc, status: 'unknown-service', service, actions: [] };
  }
  const actions: CatalogAction[] = [];
  if (/[*?]/.test(text)) {
    for (const name of await expandActionPattern(text)) {
      const action = await findAction(name);
      if (action !== undefined) actions.push(action);
    }
  } else {
    const action = await findAction(text);
    if (action !== undefined) actions.push(action);
  }
  const status = actions.length === 0 ? 'unknown-action' : 'ok';
  return wildService ? { text, loc, status, actions } : { text, loc, status, service, actions };
}

/** A memoising `actionEntries` for one document. */
export function actionEntryCache(): (statement: Statement) => Promise<ActionEntry[]> {
  const cache = new Map<Statement, Promise<ActionEntry[]>>();
  return (statement) => {
    let entries = cache.get(statement);
    if (entries === undefined) {
      const list: PatternList | undefined = statement.action;
      entries = Promise.all((list?.values ?? []).map((v) => resolveActionEntry(v.value, v.loc)));
      cache.set(statement, entries);
    }
    return entries;
  };
}

/** `Statement[2] (Sid "ReadLogs")`, for messages. */
export function statementName(statement: Statement): string {
  const sid = statement.sid?.value;
  return sid === undefined || sid === ''
    ? `statement ${statement.index}`
    : `statement ${statement.index} ("${sid}")`;
}

/** True when the pattern (IAM wildcards, no case) matches `text`. */
export function wildcardMatches(pattern: string, text: string): boolean {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i').test(text);
}
