/** List paging (docs/contracts/beyond-identity.md §2.2): page_size with clamping, opaque page tokens that keep size and filter, skip. */
import type { RunningBeyondIdentitySimulator } from '../../../dev/simulators/beyond-identity';
import { ManagementClient, startSimulator, type Realm } from './support';

interface ListPage {
  total_size: number;
  next_page_token?: string;
  [plural: string]: unknown;
}

describe('Beyond Identity simulator: paging', () => {
  let sim: RunningBeyondIdentitySimulator;
  let client: ManagementClient;
  let realm: Realm;
  let identityIds: string[];
  let applicationIds: string[];

  const ids = (page: ListPage, plural: string) => (page[plural] as { id: string }[]).map((item) => item.id);

  beforeAll(async () => {
    sim = await startSimulator();
    client = new ManagementClient(sim);
    realm = await client.createRealm('Paging');
    identityIds = [];
    for (let i = 0; i < 205; i++)
      identityIds.push((await client.createIdentity(realm.id, `person${String(i).padStart(3, '0')}@example.com`)).id);
    const configId = (await client.createHostedWebConfig(realm.id)).id;
    applicationIds = [];
    for (let i = 0; i < 105; i++) applicationIds.push((await client.createOktaApplication(realm.id, configId)).id);
  });
  afterAll(async () => {
    await sim.stop();
  });

  /** Follows next_page_token from `first` to the end, returning every page. */
  async function walk(first: string, plural: string, next: (token: string) => string): Promise<ListPage[]> {
    const pages = [await client.ok<ListPage>('GET', first)];
    while (pages.at(-1)!.next_page_token !== undefined)
      pages.push(await client.ok<ListPage>('GET', next(pages.at(-1)!.next_page_token!)));
    expect(pages.every((page) => page.total_size === (plural === 'identities' ? 205 : 105))).toBe(true);
    return pages;
  }

  it('pages through identities: default 20 per page, tokens keep the size, the last page has no token', async () => {
    const pages = await walk(
      `/realms/${realm.id}/identities`,
      'identities',
      (token) => `/realms/${realm.id}/identities?page_token=${encodeURIComponent(token)}`,
    );
    expect(pages.map((page) => ids(page, 'identities').length)).toEqual([...Array<number>(10).fill(20), 5]);
    expect(pages.flatMap((page) => ids(page, 'identities'))).toEqual(identityIds);
    expect('next_page_token' in pages.at(-1)!).toBe(false);
  });

  it('pages through identities with an explicit size, overridable on a later request', async () => {
    const first = await client.ok<ListPage>('GET', `/realms/${realm.id}/identities?page_size=90`);
    const second = await client.ok<ListPage>(
      'GET',
      `/realms/${realm.id}/identities?page_token=${encodeURIComponent(first.next_page_token!)}`,
    );
    const third = await client.ok<ListPage>(
      'GET',
      `/realms/${realm.id}/identities?page_size=10&page_token=${encodeURIComponent(second.next_page_token!)}`,
    );
    expect([
      ids(first, 'identities').length,
      ids(second, 'identities').length,
      ids(third, 'identities').length,
    ]).toEqual([90, 90, 10]);
    expect([...ids(first, 'identities'), ...ids(second, 'identities'), ...ids(third, 'identities')]).toEqual(
      identityIds.slice(0, 190),
    );
  });

  it('pages through applications: default and maximum 100, three pages of 40', async () => {
    const defaults = await client.ok<ListPage>('GET', `/realms/${realm.id}/applications`);
    expect(ids(defaults, 'applications')).toEqual(applicationIds.slice(0, 100));
    const pages = await walk(
      `/realms/${realm.id}/applications?page_size=40`,
      'applications',
      (token) => `/realms/${realm.id}/applications?page_token=${encodeURIComponent(token)}`,
    );
    expect(pages.map((page) => ids(page, 'applications').length)).toEqual([40, 40, 25]);
    expect(pages.flatMap((page) => ids(page, 'applications'))).toEqual(applicationIds);
  });

  it('clamps page_size to the documented maximum instead of rejecting it (bi-cli asks for 500)', async () => {
    const identities = await client.ok<ListPage>('GET', `/realms/${realm.id}/identities?page_size=500`);
    expect(ids(identities, 'identities')).toHaveLength(200);
    expect(identities.next_page_token).toEqual(expect.any(String));
    const applications = await client.ok<ListPage>('GET', `/realms/${realm.id}/applications?page_size=500`);
    expect(ids(applications, 'applications')).toHaveLength(100);
  });

  it('applies skip on every request (it is not kept in the token) where documented, and ignores it on applications', async () => {
    const first = await client.ok<ListPage>('GET', `/realms/${realm.id}/identities?skip=5&page_size=10`);
    expect(ids(first, 'identities')).toEqual(identityIds.slice(5, 15));
    expect(first.total_size).toBe(205);
    const second = await client.ok<ListPage>(
      'GET',
      `/realms/${realm.id}/identities?skip=5&page_token=${encodeURIComponent(first.next_page_token!)}`,
    );
    expect(ids(second, 'identities')).toEqual(identityIds.slice(15, 25));
    const realms = await client.ok<ListPage>('GET', '/realms?skip=1&page_size=1');
    expect(ids(realms, 'realms')).toHaveLength(1);
    expect(ids(realms, 'realms')[0]).not.toBe(sim.managementClient.realmId);
    const applications = await client.ok<ListPage>('GET', `/realms/${realm.id}/applications?skip=5&page_size=3`);
    expect(ids(applications, 'applications')).toEqual(applicationIds.slice(0, 3));
  });

  it('answers 400 FieldViolations page_token / invalid page token for a bad or foreign token', async () => {
    const expected = {
      code: 'bad_request',
      message: 'invalid parameters',
      details: [
        { type: 'FieldViolations', field_violations: [{ field: 'page_token', description: 'invalid page token' }] },
      ],
    };
    for (const token of ['garbage', Buffer.from('{"v":1}').toString('base64url'), 'x'.repeat(3000)]) {
      const answer = await client.call('GET', `/realms/${realm.id}/identities?page_token=${token}`);
      expect([answer.status, answer.body]).toEqual([400, expected]);
    }
    const applicationToken = (await client.ok<ListPage>('GET', `/realms/${realm.id}/applications?page_size=1`))
      .next_page_token!;
    const foreign = await client.call(
      'GET',
      `/realms/${realm.id}/identities?page_token=${encodeURIComponent(applicationToken)}`,
    );
    expect([foreign.status, foreign.body]).toEqual([400, expected]);
  });

  it('refuses a filter that differs from the one the token keeps, and keeps the filter when none is repeated', async () => {
    const token = (await client.ok<ListPage>('GET', `/realms/${realm.id}/identities?page_size=1`)).next_page_token!;
    const filter = encodeURIComponent('traits.username eq "person001@example.com"');
    const changed = await client.call(
      'GET',
      `/realms/${realm.id}/identities?filter=${filter}&page_token=${encodeURIComponent(token)}`,
    );
    expect(changed.status).toBe(400);
    expect(changed.body).toMatchObject({
      code: 'bad_request',
      details: [{ type: 'FieldViolations', field_violations: [{ field: 'filter' }] }],
    });
    const kept = await client.ok<ListPage>(
      'GET',
      `/realms/${realm.id}/identities?page_token=${encodeURIComponent(token)}`,
    );
    expect(ids(kept, 'identities')).toEqual([identityIds[1]]);
    const filtered = await client.ok<ListPage>('GET', `/realms/${realm.id}/identities?filter=${filter}&page_size=1`);
    expect([ids(filtered, 'identities'), filtered.total_size, filtered.next_page_token]).toEqual([
      [identityIds[1]],
      1,
      undefined,
    ]);
  });

  it('answers 400 for a page_size or skip that is not an unsigned integer', async () => {
    for (const query of ['page_size=abc', 'page_size=-1', 'skip=1.5', 'page_size=99999999999']) {
      const answer = await client.call('GET', `/realms/${realm.id}/identities?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        details: [{ field_violations: [{ field: query.split('=')[0], description: 'invalid value' }] }],
      });
    }
  });
});
