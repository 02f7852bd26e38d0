/** Unit tests of the workflows' state rules (pure modules: no server, no workflow API). */
import type { IntegrationSpec, PersonState } from '../../src/workflows/definitions';
import * as integration from '../../src/workflows/integration-state';
import * as person from '../../src/workflows/person-state';

const context = {
  realmId: 'r1',
  applicationId: 'a1',
  authenticatorConfigId: 'c1',
  routing: { attribute: 'beyondIdentityIntegration', value: 't/realm' },
  binding: { pollIntervalMs: 1000, maxResends: 2, deadlineMs: 60_000 },
  activityTimeoutMs: 10_000,
};

function someone(changes: Partial<PersonState> = {}): PersonState {
  return { ...person.newPersonState('ann@example.com', '2026-01-01T00:00:00.000Z', context), ...changes };
}

describe('person rules', () => {
  it('a cleared attention returns to the status of where the person is', () => {
    expect(person.statusAfterAttention(someone(), true)).toBe('NeedsAttention');
    expect(person.statusAfterAttention(someone(), false)).toBe('Running');
    expect(person.statusAfterAttention(someone({ bindingJobId: 'j1' }), false)).toBe('WaitingForBinding');
    expect(person.statusAfterAttention(someone({ bindingJobId: 'j1', bound: true }), false)).toBe('Running');
    // Undoing stays Cancelled after a retry: it never goes back to waiting.
    expect(person.statusAfterAttention(someone({ bindingJobId: 'j1', step: 'ClearRouting' }), false)).toBe('Cancelled');
  });

  it('a leave run stays Suspended after a retry until its undo or the return; a cancelled one stays Cancelled', () => {
    const routed = someone({ bindingJobId: 'j1', bound: true, routed: true, status: 'Onboarded', step: 'Done' });
    const leaving = person.leaveState(routed, 'removed from group', '2026-02-01T00:00:00.000Z');
    expect(leaving).toMatchObject({ status: 'Suspended', step: 'ClearRouting', leaveReason: 'removed from group' });
    expect(person.statusAfterAttention(leaving, false, true)).toBe('Suspended');
    expect(person.statusAfterAttention({ ...leaving, step: 'WaitForReturn' }, false)).toBe('Suspended');
    expect(person.statusAfterAttention({ ...leaving, step: 'UnsuspendIdentity' }, true)).toBe('NeedsAttention');
    // Its undo (the grace period over, or an offboard) is a cancel's.
    expect(person.statusAfterAttention(leaving, false, false)).toBe('Cancelled');
  });

  it('a leave run is leaving until a return; a return is taken until its undo begins', () => {
    const routed = someone({ routed: true, status: 'Onboarded', step: 'Done', returnedAt: 'T0' });
    const leaving = person.leaveState(routed, 'deactivated', 'T1');
    // A second leave after an earlier return: the earlier return does not count.
    expect(person.isLeaving(leaving)).toBe(true);
    expect(person.isLeaving(routed)).toBe(false);
    expect(person.mayReturn({ ...leaving, status: 'NeedsAttention' })).toBe(true);
    expect(person.mayReturn({ ...leaving, step: 'WaitForReturn', deleteAt: 'T30' })).toBe(true);
    expect(person.mayReturn({ ...leaving, status: 'NeedsAttention', step: 'SuspendIdentity' })).toBe(true);
    // The grace period's undo, or an offboard's cancel: too late to come back.
    expect(person.mayReturn({ ...leaving, status: 'NeedsAttention', step: 'ClearRouting', deleteAt: 'T30' })).toBe(
      false,
    );
    expect(person.mayReturn({ ...leaving, status: 'Cancelled', step: 'WaitForReturn' })).toBe(false);
    expect(person.mayReturn({ ...leaving, step: 'DeleteIdentity', deleteAt: 'T30' })).toBe(false);
    expect(person.isLeaving({ ...leaving, status: 'Cancelled', step: 'DeleteIdentity' })).toBe(true);
  });

  it('a leaver back without a passkey binds from scratch: a new link, its own resends and deadline, not a rebind', () => {
    const state = someone({
      bindingJobId: 'j1',
      bindingJobState: 'COMPLETE',
      bound: true,
      boundVia: 'detected',
      resends: 2,
      deadlineAt: '2026-01-08T00:00:00.000Z',
      rebindStartedAt: '2026-01-05T00:00:00.000Z',
      identity: { id: 'i1', adopted: false },
    });
    person.returnWithoutPasskeyState(state, '2026-03-01T00:00:00.000Z');
    expect(state).toMatchObject({ bound: false, resends: 0, returnedAt: '2026-03-01T00:00:00.000Z' });
    expect(state.bindingJobId ?? state.deadlineAt ?? state.rebindStartedAt ?? state.boundVia).toBeUndefined();
    expect(person.waitingStatus(state)).toBe('WaitingForBinding');
    expect(state.identity).toEqual({ id: 'i1', adopted: false });
  });

  it('the note of a leaver whose grace period ran out says what was kept of what was there before', () => {
    const state = { ...someone(), leaveReason: 'deactivated in Okta', deleteAt: 'T30' };
    expect(person.deletedAfterLeaveNote(state, false, false)).toBe(
      'Left (deactivated in Okta) and did not come back by T30: what this service created is removed.',
    );
    expect(person.deletedAfterLeaveNote(state, true, true)).toMatch(
      /identity, which was there before this service, is kept and left suspended .*; their Okta user, which was there before this service, is kept, out of routing\.$/,
    );
  });

  it('routing records the user, the time and how the binding was learnt, once', () => {
    const state = someone({ bindingJobId: 'j1', note: 'old note' });
    person.markRouted(
      state,
      {
        outcome: 'routed',
        oktaUser: { id: 'u1', adopted: false },
        jobState: 'COMPLETE',
        routedAt: '2026-01-01T00:01:00.000Z',
      },
      'signal',
      '2026-01-01T00:00:59.000Z',
    );
    expect(state).toMatchObject({
      bound: true,
      boundVia: 'signal',
      routed: true,
      routedAt: '2026-01-01T00:01:00.000Z',
      oktaUser: { id: 'u1', adopted: false },
      bindingJobState: 'COMPLETE',
    });
    expect(state.note).toBeUndefined();
    person.markBound(state, 'detected', 'later');
    expect(state.boundVia).toBe('signal');
  });

  it('a dead link is resent until the resends are used up', () => {
    expect(person.afterDeadLink(someone({ resends: 1 }), 2)).toBe('resend');
    expect(person.afterDeadLink(someone({ resends: 2 }), 2)).toBe('BindingExpired');
  });

  it('confirmBinding is refused before an email, and after the end; answers from what Beyond Identity shows', () => {
    expect(person.confirmBindingRefusal(someone())).toMatch(/not been sent a binding email/);
    expect(
      person.confirmBindingRefusal(
        someone({ identity: { id: 'i', adopted: false }, bindingJobId: 'j', status: 'BindingExpired' }),
      ),
    ).toMatch(/has ended \(BindingExpired\)/);
    expect(
      person.confirmBindingRefusal(
        someone({ identity: { id: 'i', adopted: false }, bindingJobId: 'j', status: 'WaitingForBinding' }),
      ),
    ).toBeUndefined();
    expect(person.confirmBindingAnswer(someone(), { activeCredential: true })).toMatchObject({ accepted: true });
    expect(person.confirmBindingAnswer(someone(), { activeCredential: false, jobState: 'COMPLETE' })).toMatchObject({
      accepted: true,
    });
    expect(person.confirmBindingAnswer(someone(), { activeCredential: false, jobState: 'LINK_OPENED' })).toEqual({
      accepted: false,
      reason: expect.stringMatching(/LINK_OPENED/),
    });
  });

  it('undo clears routing before it removes anything, keeps what was adopted, and skips Okta when no route was tried', () => {
    const identity = { id: 'i', adopted: false };
    expect(person.undoPlan(someone({ identity }))).toEqual(['DeleteIdentity']);
    expect(person.undoPlan(someone({ identity, routingAttempted: true }))).toEqual(['ClearRouting', 'DeleteIdentity']);
    expect(person.undoPlan(someone({ identity, routed: true, oktaUser: { id: 'u', adopted: false } }))).toEqual([
      'ClearRouting',
      'RemoveOktaUser',
      'DeleteIdentity',
    ]);
    expect(
      person.undoPlan(
        someone({ identity: { id: 'i', adopted: true }, routed: true, oktaUser: { id: 'u', adopted: true } }),
      ),
    ).toEqual(['ClearRouting']);
  });

  it('details show the routing property once routed, and the attention', () => {
    const routed = someone({ routed: true, oktaUser: { id: 'u1', adopted: true } });
    expect(person.personDetails(routed)).toContain(
      'Routed to Beyond Identity: yes (`beyondIdentityIntegration` = `t/realm`)',
    );
    expect(person.personDetails(routed)).toContain('`u1` (adopted, never deleted)');
    const stuck = someone({
      attention: { step: 'RouteOktaUser', type: 'OktaUserNotActiveError', message: 'SUSPENDED', since: 'now' },
    });
    expect(person.personDetails(stuck)).toContain('**Needs attention** at step `RouteOktaUser`');
  });

  it('names from an address when none are given', () => {
    expect(person.personNames('ann.marie.lee@example.com')).toEqual({ firstName: 'Ann', lastName: 'Marie Lee' });
    expect(person.personNames('bob@example.com')).toEqual({ firstName: 'Bob', lastName: 'Example' });
    expect(person.personNames('bob@example.com', ' Robert ', 'Smith')).toEqual({
      firstName: 'Robert',
      lastName: 'Smith',
    });
  });
});

describe('integration rules', () => {
  const spec = {
    routing: context.routing,
    binding: context.binding,
    activityTimeoutMs: 10_000,
    realmName: 'R',
    oktaOrgUrl: 'https://o.example/',
  } as IntegrationSpec;
  const all = {
    realm: { id: 'r1', adopted: false },
    authenticatorConfig: { id: 'c1', adopted: false },
    application: { id: 'a1', adopted: false },
    idp: { id: 'p1', adopted: false },
    routingAttribute: { id: 'beyondIdentityIntegration', adopted: true },
  };

  it('hands people a context only once every shared object exists, rule included', () => {
    const state = { ...integration.newIntegrationState(), ...all };
    expect(integration.personContext(state, spec)).toBeUndefined();
    expect(integration.statusAfterAttention(state, false, false)).toBe('SettingUp');
    const ready = { ...state, routingRule: { id: 'x', adopted: false, policyId: 'p' } };
    expect(integration.personContext(ready, spec)).toEqual({
      ...context,
      applicationId: 'a1',
      authenticatorConfigId: 'c1',
      realmId: 'r1',
    });
    expect(integration.statusAfterAttention(ready, false, false)).toBe('Ready');
    expect(integration.statusAfterAttention(ready, false, true)).toBe('TearingDown');
    expect(integration.statusAfterAttention(ready, true, true)).toBe('NeedsAttention');
  });

  it('a re-check keeps an object of ours ours, and records a replaced one as found', () => {
    expect(integration.recheck({ id: 'a', adopted: false }, { id: 'a', adopted: true })).toEqual({
      id: 'a',
      adopted: false,
    });
    expect(integration.recheck({ id: 'a', adopted: false }, { id: 'b', adopted: true })).toEqual({
      id: 'b',
      adopted: true,
    });
    expect(integration.recheck(undefined, { id: 'b', adopted: false })).toEqual({ id: 'b', adopted: false });
  });

  it('the redirect URIs follow the issuer mode (org callback, custom-domain callback, or both); details name the routing key', () => {
    const org = 'https://o.example/oauth2/v1/authorize/callback';
    const custom = 'https://login.example.com/oauth2/v1/authorize/callback';
    expect(integration.oktaRedirectUris(spec)).toEqual([org]);
    const withDomain = { ...spec, oktaCustomDomain: 'https://login.example.com/' };
    expect(integration.oktaRedirectUris({ ...withDomain, oktaIssuerMode: 'ORG_URL' })).toEqual([org]);
    expect(integration.oktaRedirectUris({ ...withDomain, oktaIssuerMode: 'CUSTOM_URL' })).toEqual([custom]);
    expect(integration.oktaRedirectUris({ ...withDomain, oktaIssuerMode: 'DYNAMIC' })).toEqual([org, custom]);
    expect(integration.integrationDetails({ ...integration.newIntegrationState(), ...all }, spec)).toContain(
      '`beyondIdentityIntegration` = `t/realm`',
    );
  });
});
