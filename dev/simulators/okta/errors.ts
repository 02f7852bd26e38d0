/**
 * Okta's error body (docs/contracts/okta.md §0.3): every 4xx/5xx is `{errorCode, errorSummary, errorLink,
 * errorId, errorCauses}`, with a fresh `errorId` and `errorLink` repeating `errorCode`.
 * Route handlers throw `OktaApiError`; the API scope's error handler renders it.
 */
import type { RenderedError } from '../shared/server';
import { newErrorId } from './ids';

export interface OktaErrorBody {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: { errorSummary: string }[];
}

export function oktaErrorBody(code: string, summary: string, causes: string[] = []): OktaErrorBody {
  return {
    errorCode: code,
    errorSummary: summary,
    errorLink: code,
    errorId: newErrorId(),
    errorCauses: causes.map((errorSummary) => ({ errorSummary })),
  };
}

export class OktaApiError extends Error {
  override name = 'OktaApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly summary: string,
    readonly causes: string[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${code} ${summary}`);
  }

  render(): RenderedError {
    return { status: this.status, headers: this.headers, body: oktaErrorBody(this.code, this.summary, this.causes) };
  }
}

/** One invalid field: `field` names it in the summary, `message` explains it in the cause. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** 400 E0000001 "Api validation failed: {first field}", one cause per problem ("field: message"). */
export function validationFailed(problems: FieldProblem[]): OktaApiError {
  const first = problems[0]?.field ?? 'request';
  return new OktaApiError(
    400,
    'E0000001',
    `Api validation failed: ${first}`,
    problems.map((problem) => `${problem.field}: ${problem.message}`),
  );
}

/** 404 E0000007 in the wording Okta uses: "Not found: Resource not found: {id} ({Type})". */
export function notFound(id: string, type: string): OktaApiError {
  return new OktaApiError(404, 'E0000007', `Not found: Resource not found: ${id} (${type})`);
}

/** 403 E0000006: the caller is known but its admin roles do not allow the action (docs/contracts/okta.md §10). */
export function accessDenied(): OktaApiError {
  return new OktaApiError(403, 'E0000006', 'You do not have permission to perform the requested action');
}

export function invalidToken(): OktaApiError {
  return new OktaApiError(401, 'E0000011', 'Invalid token provided');
}

/** 400 E0000031 for filter/search expressions we cannot parse (Okta's "Invalid search criteria"). */
export function invalidSearch(detail: string): OktaApiError {
  return new OktaApiError(400, 'E0000031', 'Invalid search criteria.', [detail]);
}
