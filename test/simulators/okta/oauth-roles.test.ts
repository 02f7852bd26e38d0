/**
 * The simulator's admin-role model (README "Calls with access tokens"), family by family: a
 * client holding every scope calls each family with GET and with a write; 403 E0000006 means the
 * role refused it, anything else (200, 400, 404) that the role let it through to the route.
 */
import { callWith, makeKey, obtainToken, setUpServiceApp, type ClientKey } from './oauth-support';
import { useSimulator } from './support';

type Family = 'users' | 'groups' | 'schemas' | 'idps' | 'policies' | 'apps' | 'appGrants' | 'roles';
const FAMILIES: Family[] = ['users', 'groups', 'schemas', 'idps', 'policies', 'apps', 'appGrants', 'roles'];
const SCOPES = FAMILIES.flatMap((family) => [`okta.${family}.read`, `okta.${family}.manage`]);

/** The decision, stated here independently of the simulator's code: [families it reads, families it writes]. */
const MODEL: Record<string, [readonly Family[], readonly Family[]]> = {
  SUPER_ADMIN: [FAMILIES, FAMILIES],
  ORG_ADMIN: [
    ['users', 'groups', 'schemas', 'idps', 'policies'],
    ['users', 'groups', 'schemas', 'idps', 'policies'],
  ],
  USER_ADMIN: [
    ['users', 'groups'],
    ['users', 'groups'],
  ],
  HELP_DESK_ADMIN: [
    ['users', 'groups'],
    ['users', 'groups'],
  ],
  GROUP_MEMBERSHIP_ADMIN: [['groups'], ['groups']],
  APP_ADMIN: [['apps'], ['apps']],
  READ_ONLY_ADMIN: [FAMILIES, []],
  REPORT_ADMIN: [[], []],
  NONE: [[], []],
};

/** A GET and a write per family; the writes are invalid, so an allowed one changes nothing. */
function probes(family: Family, appId: string, clientId: string): [string, string, unknown][] {
  const paths: Record<Family, [string, string]> = {
    users: ['/api/v1/users', '/api/v1/users'],
    groups: ['/api/v1/groups', '/api/v1/groups'],
    schemas: ['/api/v1/meta/schemas/user/default', '/api/v1/meta/schemas/user/default'],
    idps: ['/api/v1/idps', '/api/v1/idps'],
    policies: ['/api/v1/policies?type=IDP_DISCOVERY', '/api/v1/policies/00pNoSuchPolicy000000/rules'],
    apps: ['/api/v1/apps', '/api/v1/apps'],
    appGrants: [`/api/v1/apps/${appId}/grants`, `/api/v1/apps/${appId}/grants`],
    roles: [`/oauth2/v1/clients/${clientId}/roles`, `/oauth2/v1/clients/${clientId}/roles`],
  };
  const invalid =
    family === 'schemas'
      ? { definitions: { custom: { properties: { 'bad-name': { title: 'x', type: 'string' } } } } }
      : {};
  return [
    ['GET', paths[family][0], undefined],
    ['POST', paths[family][1], invalid],
  ];
}

describe('Okta simulator: what each admin role lets a client do', () => {
  const t = useSimulator();
  let key: ClientKey;
  beforeAll(async () => {
    key = await makeKey('ES256', 'roles-key');
  });

  it.each(Object.keys(MODEL))('%s', async (role) => {
    const app = await setUpServiceApp(t.okta, `role ${role}`, [key], {
      scopes: SCOPES,
      roles: role === 'NONE' ? [] : [role],
    });
    const token = await obtainToken(t.sim, app, key, SCOPES.join(' '));
    const [reads, writes] = MODEL[role]!;
    const seen: string[] = [];
    const expected: string[] = [];
    for (const family of FAMILIES) {
      for (const [method, path, body] of probes(family, app.id, app.clientId)) {
        const answer = await callWith(t.okta, token, method, path, { body });
        const refused =
          answer.status === 403 && (answer.body as { errorCode?: string } | undefined)?.errorCode === 'E0000006';
        // Every scope is granted: a scope refusal (403 without body) would be a broken probe, not an allowed call.
        const outcome = refused ? 'refused' : answer.status === 403 ? 'scope refused' : 'allowed';
        seen.push(`${method} ${family}: ${outcome}`);
        expected.push(
          `${method} ${family}: ${(method === 'GET' ? reads : writes).includes(family) ? 'allowed' : 'refused'}`,
        );
      }
    }
    expect(seen).toEqual(expected);
  });
});
