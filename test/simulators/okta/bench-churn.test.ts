/**
 * The churn bench's Okta side (bench/churn-okta.ts) against the real Okta simulator: the group's
 * users and the group made through the console controls, members added and removed, and each
 * membership event's `published` read back from the System Log (what the churn run's lags start from).
 */
import { changeMembership, createGroup, createOktaUsers, membershipEvents } from '../../../bench/churn-okta';
import { useSimulator } from './support';

describe('the churn bench on the Okta simulator', () => {
  const context = useSimulator();

  it('makes users and a group, changes membership, and reads when each change was logged', async () => {
    const { sim } = context;
    const before = Date.now();
    const ids = await createOktaUsers(sim.url, ['a.churn@bench.example.com', 'b.churn@bench.example.com']);
    const a = ids.get('a.churn@bench.example.com')!;
    const b = ids.get('b.churn@bench.example.com')!;
    const groupId = await createGroup(sim.url, 'Bench churn test', [a]);
    const members = async () =>
      (await context.okta.expect<{ id: string }[]>(200, 'GET', `/api/v1/groups/${groupId}/users`)).map(
        (user) => user.id,
      );
    expect(await members()).toEqual([a]);

    const sentJoin = Date.now();
    await changeMembership(sim.url, groupId, b, 'join');
    const sentLeave = Date.now();
    await changeMembership(sim.url, groupId, a, 'leave');
    const after = Date.now();
    expect(await members()).toEqual([b]);

    const published = await membershipEvents(sim, groupId, before - 1_000);
    // a's add (the import) then remove, b's add; keyed by change and user.
    expect([...published.keys()].sort()).toEqual([`join:${a}`, `join:${b}`, `leave:${a}`].sort());
    expect(published.get(`join:${b}`)).toBeGreaterThanOrEqual(sentJoin - 1);
    expect(published.get(`join:${b}`)).toBeLessThanOrEqual(sentLeave + 1);
    expect(published.get(`leave:${a}`)).toBeGreaterThanOrEqual(sentLeave - 1);
    expect(published.get(`leave:${a}`)).toBeLessThanOrEqual(after + 1);
  });

  it('says what the simulator refused', async () => {
    await expect(changeMembership(context.sim.url, '00gnosuchgroup', '00unosuchuser', 'join')).rejects.toThrow(
      /the Okta simulator refused POST \/_sim\/groups\/00gnosuchgroup\/members: HTTP 404/,
    );
  });
});
