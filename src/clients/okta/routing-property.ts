/**
 * What makes the routing property safe to route by (docs/contracts/okta.md §11.3), and the fix when it is not.
 * Okta-mastered (`master: {type: 'OKTA'}`): Okta accepts writes of it even on a user whose profile
 * a directory or HR system masters, where an inherited one is refused with 403 E0000023.
 * `SELF READ_ONLY`: a person cannot clear it on their profile page and sign in with a password again.
 */
import { RejectedUpstreamError } from '../http/errors';
import type { OktaSchemaProperty } from './schemas';
import type { NonRetryableType } from '../../workflows/failure-types';

export const ROUTING_PROPERTY_MASTER = { type: 'OKTA' } as const;
export const ROUTING_PROPERTY_PERMISSIONS = [{ principal: 'SELF', action: 'READ_ONLY' }] as const;

/** Okta's code for an update of an attribute the profile source masters (docs/contracts/okta.md §11.2). */
const MASTERED_ELSEWHERE = 'E0000023';
const MASTERED_SUMMARY = 'Operation failed because user profile is mastered under another system';

export type RoutingPropertyProblem =
  { kind: 'master'; master: string | undefined } | { kind: 'permission'; action: string | undefined };

/**
 * What SELF may do with the property. Several SELF entries: the most permissive counts. None: the
 * API's default is unverified (docs/contracts/okta.md §11.3), so it is not taken for read-only.
 */
function selfAction(property: OktaSchemaProperty): string | undefined {
  const actions = (property.permissions ?? [])
    .filter((entry) => entry.principal === 'SELF')
    .map((entry) => entry.action);
  return ['READ_WRITE', 'READ_ONLY', 'HIDE'].find((action) => actions.includes(action)) ?? actions[0];
}

/**
 * Why `property` cannot route safely; [] when it can. A master other than OKTA (PROFILE_MASTER,
 * OVERRIDE, or none: the Admin Console's "Inherit from profile source") is the source's; SELF must
 * be READ_ONLY or HIDE (neither lets a person change it).
 */
export function routingPropertyProblems(property: OktaSchemaProperty): RoutingPropertyProblem[] {
  const problems: RoutingPropertyProblem[] = [];
  const master = property.master?.type ?? undefined;
  if (master !== 'OKTA') problems.push({ kind: 'master', master });
  const action = selfAction(property);
  if (action !== 'READ_ONLY' && action !== 'HIDE') problems.push({ kind: 'permission', action });
  return problems;
}

/** The setting names that differ from the desired ones, for verify's "put back" line. */
export function routingPropertyDrift(problems: RoutingPropertyProblem[]): string[] {
  return problems.map((problem) => (problem.kind === 'master' ? 'master' : 'permissions'));
}

export function describeProblems(attribute: string, problems: RoutingPropertyProblem[]): string {
  return problems
    .map((problem) =>
      problem.kind === 'master'
        ? `the profile property "${attribute}" is not mastered by Okta (master ${problem.master ?? 'not set: inherit from the profile source'}): Okta refuses to set it on a directory-sourced user with 403 ${MASTERED_ELSEWHERE} ("${MASTERED_SUMMARY}")`
        : `people may change "${attribute}" on their own profile (User permission ${problem.action ?? 'not set'}): a person could clear it and sign in with a password again`,
    )
    .join('; ');
}

/** The fix, in the Admin Console and as the equivalent API call (with the property's own title and type when known). */
export function routingPropertyFix(attribute: string, property?: Pick<OktaSchemaProperty, 'title' | 'type'>): string {
  const definition = {
    title: property?.title ?? '<its title>',
    type: property?.type ?? 'string',
    master: ROUTING_PROPERTY_MASTER,
    permissions: ROUTING_PROPERTY_PERMISSIONS,
  };
  const body = { definitions: { custom: { id: '#custom', type: 'object', properties: { [attribute]: definition } } } };
  return (
    `in the Okta Admin Console: Directory → Profile Editor → the default user profile (User (default)) → "${attribute}" → Source priority "Inherit from Okta" and User permission "Read Only", then Save; ` +
    `or through the API: POST /api/v1/meta/schemas/user/default ${JSON.stringify(body)} (keep its other settings as GET shows them)`
  );
}

/** An adopted routing property that is not Okta-mastered, or that people may change: nobody is routed through it. */
export class RoutingPropertyUnsafeError extends Error {
  override name = 'RoutingPropertyUnsafeError' satisfies NonRetryableType;
}

/** Okta refused a person's routing write with 403 E0000023: their directory masters the property. */
export class RoutingAttributeMasteredError extends Error {
  override name = 'RoutingAttributeMasteredError' satisfies NonRetryableType;
}

export function isMasteredElsewhere(error: unknown): error is RejectedUpstreamError {
  return error instanceof RejectedUpstreamError && error.status === 403 && error.upstreamCode === MASTERED_ELSEWHERE;
}

/** The text a person's NeedsAttention shows: what Okta said, why, and the fix, then retry. */
export function masteredElsewhereMessage(
  attribute: string,
  user: { login: string; id: string },
  property?: OktaSchemaProperty,
): string {
  const master = property ? (property.master?.type ?? 'not set: inherit from the profile source') : 'unknown';
  return (
    `Okta refused to set "${attribute}" on ${user.login} (${user.id}): 403 ${MASTERED_ELSEWHERE} "${MASTERED_SUMMARY}": the user's profile comes from a directory, and the property is not Okta-mastered (master ${master}). ` +
    `Fix: bi-okta verify (puts back a property the service made), or ${routingPropertyFix(attribute, property)}; then bi-okta retry ${user.login}`
  );
}
