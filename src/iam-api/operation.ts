/** The shape of one IAM API operation: parameters in, the `<XxxResult>` members out. */
import type { OperationContext } from '../control/operation.js';
import type { QueryParams } from '../protocol/query.js';
import type { XmlNode } from '../protocol/xml.js';

/** Resolves the result members, or `undefined` for operations whose response has no result element. */
export type IamOperation = (ctx: OperationContext, params: QueryParams) => Promise<XmlNode | undefined>;
