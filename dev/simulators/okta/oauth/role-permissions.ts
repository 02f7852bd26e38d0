/**
 * The simulator's model of what a client's admin roles let it do (docs/contracts/okta.md §9.3: roles decide
 * which resources, scopes which actions). Okta's real rules are finer (resource sets, targets);
 * this model is a choice, documented in the README:
 * SUPER_ADMIN everything; ORG_ADMIN everything but apps, app grants and admin roles (org admins
 * cannot manage applications or other admins); USER_ADMIN and HELP_DESK_ADMIN users and groups;
 * GROUP_MEMBERSHIP_ADMIN groups; APP_ADMIN apps (not grants: only a super admin grants Okta
 * scopes); READ_ONLY_ADMIN every GET; REPORT_ADMIN the System Log; the others nothing simulated.
 * Several roles add up; no role refuses everything.
 */
import type { RoleType } from './records';
import { isReadMethod, type EndpointFamily } from './scopes';

const ALL: readonly EndpointFamily[] = [
  'users',
  'schemas',
  'idps',
  'policies',
  'groups',
  'apps',
  'appGrants',
  'roles',
  'logs',
];

/** The families each role may act on with any method. */
const MANAGES: Record<RoleType, readonly EndpointFamily[]> = {
  SUPER_ADMIN: ALL,
  ORG_ADMIN: ['users', 'schemas', 'idps', 'policies', 'groups', 'logs'],
  USER_ADMIN: ['users', 'groups'],
  HELP_DESK_ADMIN: ['users', 'groups'],
  GROUP_MEMBERSHIP_ADMIN: ['groups'],
  APP_ADMIN: ['apps'],
  READ_ONLY_ADMIN: [],
  REPORT_ADMIN: [],
  API_ACCESS_MANAGEMENT_ADMIN: [],
  ACCESS_CERTIFICATIONS_ADMIN: [],
  ACCESS_REQUESTS_ADMIN: [],
  WORKFLOWS_ADMIN: [],
};

/** The families each role may read (GET) on top of those it manages. */
const READS: Partial<Record<RoleType, readonly EndpointFamily[]>> = {
  READ_ONLY_ADMIN: ALL,
  REPORT_ADMIN: ['logs'],
};

export function rolesPermit(roles: readonly RoleType[], family: EndpointFamily, method: string): boolean {
  return roles.some(
    (role) => MANAGES[role].includes(family) || (isReadMethod(method) && (READS[role] ?? []).includes(family)),
  );
}

export const ROLE_LABELS: Record<RoleType, string> = {
  SUPER_ADMIN: 'Super Administrator',
  ORG_ADMIN: 'Organizational Administrator',
  APP_ADMIN: 'Application Administrator',
  USER_ADMIN: 'Group Administrator',
  HELP_DESK_ADMIN: 'Help Desk Administrator',
  GROUP_MEMBERSHIP_ADMIN: 'Group Membership Administrator',
  READ_ONLY_ADMIN: 'Read Only Administrator',
  REPORT_ADMIN: 'Report Administrator',
  API_ACCESS_MANAGEMENT_ADMIN: 'API Access Management Administrator',
  ACCESS_CERTIFICATIONS_ADMIN: 'Access Certifications Administrator',
  ACCESS_REQUESTS_ADMIN: 'Access Requests Administrator',
  WORKFLOWS_ADMIN: 'Workflows Administrator',
};
