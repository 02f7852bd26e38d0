/** Unit tests of verify's and rebind's pure rules: a person's verdict, the report, intervals, the rebind state, job reuse after a rebind. */
import { pickReusableJob } from '../../src/clients/beyond-identity/ensure';
import {
  ConfigError,
  formatInterval,
  integrationConfigSchema,
  integrationSpecFrom,
  parseConfig,
  parseInterval,
} from '../../src/config';
import type { PersonState } from '../../src/workflows/definitions';
import * as person from '../../src/workflows/person-state';
import { noPeople, peopleCheck, personVerdict, tallyPerson, verifyReport } from '../../src/workflows/verify-state';

const look = {
  email: 'ann@example.com',
  activePasskey: true,
  oktaUser: { status: 'ACTIVE', routingValue: 't/realm' },
  routingValue: 't/realm',
};

describe("a routed person's verdict", () => {
  it('is ok with a passkey and the routing value', () => {
    expect(personVerdict(look)).toEqual({ kind: 'ok' });
  });
  it('without an active passkey: rebind is the fix, whatever the routing says (it is never cleared)', () => {
    expect(personVerdict({ ...look, activePasskey: false })).toEqual({
      kind: 'problem',
      problem:
        'no active passkey in Beyond Identity (revoked or deleted); still routed to Beyond Identity, so they cannot sign in',
      fix: 'bi-okta rebind ann@example.com',
    });
    expect(
      personVerdict({ ...look, activePasskey: false, oktaUser: { status: 'ACTIVE', routingValue: null } }),
    ).toMatchObject({ kind: 'problem', fix: 'bi-okta rebind ann@example.com' });
  });
  it('puts back a cleared value of a person with a passkey, never another integration’s value', () => {
    expect(personVerdict({ ...look, oktaUser: { status: 'ACTIVE', routingValue: '' } })).toEqual({ kind: 'corrected' });
    expect(personVerdict({ ...look, oktaUser: { status: 'ACTIVE', routingValue: 'other/realm' } })).toMatchObject({
      kind: 'problem',
    });
  });
  it('reports a missing identity, a missing or inactive Okta user', () => {
    expect(personVerdict({ ...look, activePasskey: undefined })).toMatchObject({
      kind: 'problem',
      problem: 'their Beyond Identity identity no longer exists',
    });
    expect(personVerdict({ ...look, oktaUser: undefined })).toMatchObject({
      kind: 'problem',
      problem: 'their Okta user no longer exists',
    });
    expect(personVerdict({ ...look, oktaUser: { status: 'SUSPENDED', routingValue: 't/realm' } })).toMatchObject({
      kind: 'problem',
      problem: 'their Okta user is SUSPENDED',
    });
  });
});

describe('the report', () => {
  it('passes with corrections, fails on anything needing attention; counts stay exact past the listed names', () => {
    const people = noPeople();
    tallyPerson(people, 'a@example.com', { kind: 'ok' });
    tallyPerson(people, 'b@example.com', { kind: 'corrected', detail: 'set back' });
    expect(peopleCheck(people)).toMatchObject({ object: 'people', outcome: 'corrected' });
    expect(
      verifyReport('t', [{ object: 'routing rule', outcome: 'corrected', detail: 'status; put back' }], people).ok,
    ).toBe(true);
    for (let index = 0; index < 60; index += 1)
      tallyPerson(people, `p${index}@example.com`, { kind: 'problem', problem: 'x', fix: 'y' });
    expect(people).toMatchObject({ checked: 62, needsAttentionCount: 60 });
    expect(people.needsAttention).toHaveLength(50);
    expect(verifyReport('t', [], people).ok).toBe(false);
  });
});

describe('intervals (VERIFY_INTERVAL, --schedule)', () => {
  it('parses units and combinations within 1m..365d, and formats them back', () => {
    expect(parseInterval('6h')).toBe(21_600_000);
    expect(parseInterval(' 1H30m ')).toBe(5_400_000);
    expect(parseInterval('1d')).toBe(86_400_000);
    for (const bad of ['', '6', 'h', '30s', '366d', 'sometimes', '-1h']) expect(parseInterval(bad)).toBeUndefined();
    expect(formatInterval(21_600_000)).toBe('6h');
    expect(formatInterval(5_400_000)).toBe('1h30m');
  });

  it('VERIFY_INTERVAL is parsed with the configuration: daily by default, a bad value refused by name', () => {
    const env = { BI_TENANT_ID: 't1', OKTA_ORG_URL: 'https://example.okta.com' };
    expect(integrationSpecFrom(parseConfig(integrationConfigSchema, env)).verifyIntervalMs).toBe(86_400_000);
    expect(
      integrationSpecFrom(parseConfig(integrationConfigSchema, { ...env, VERIFY_INTERVAL: '6h' })).verifyIntervalMs,
    ).toBe(21_600_000);
    expect(() => parseConfig(integrationConfigSchema, { ...env, VERIFY_INTERVAL: 'sometimes' })).toThrow(ConfigError);
    expect(() => parseConfig(integrationConfigSchema, { ...env, VERIFY_INTERVAL: 'sometimes' })).toThrow(
      /VERIFY_INTERVAL/,
    );
  });
});

describe('rebind', () => {
  const ended: PersonState = {
    ...person.newPersonState('ann@example.com', '2026-01-01T00:00:00.000Z'),
    status: 'Onboarded',
    step: 'Done',
    identity: { id: 'i1', adopted: false },
    oktaUser: { id: 'u1', adopted: false },
    bindingJobId: 'old',
    bindingJobState: 'COMPLETE',
    emailsSent: 2,
    resends: 1,
    bound: true,
    boundAt: '2026-01-01T00:01:00.000Z',
    routed: true,
    deadlineAt: '2026-01-08T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
  };

  it('starts a new binding and keeps identity, Okta user and routing', () => {
    const state = person.rebindState(ended, '2026-02-01T00:00:00.000Z');
    expect(state).toMatchObject({
      status: 'Rebinding',
      step: 'Rebind',
      routed: true,
      bound: false,
      oktaUser: ended.oktaUser,
      identity: ended.identity,
      emailsSent: 2,
      resends: 0,
    });
    expect(state.bindingJobId).toBeUndefined();
    expect(state.deadlineAt).toBeUndefined();
    expect(person.waitingStatus(state)).toBe('Rebinding');
    expect(person.statusAfterAttention({ ...state, bindingJobId: 'new' }, false)).toBe('Rebinding');
    // Once bound again it is an onboarding like any other.
    expect(person.waitingStatus({ ...state, bound: true })).toBe('WaitingForBinding');
    expect(person.endNote({ ...state, resends: 0 }, 'BindingExpired', 3)).toMatch(
      /still routed to Beyond Identity without a passkey; `bi-okta rebind ann@example.com`/,
    );
  });

  it("does not reuse the lost passkey's completed job, but a live link or a job completed since", () => {
    const now = Date.parse('2026-02-01T00:10:00Z');
    const since = '2026-02-01T00:00:00.000Z';
    const job = (id: string, state: string, created: string) => ({
      id,
      state,
      create_time: created,
      expire_time: '2026-02-08T00:00:00Z',
    });
    expect(pickReusableJob([job('old', 'COMPLETE', '2026-01-01T00:00:00Z')], now, since)).toBeUndefined();
    expect(pickReusableJob([job('old', 'COMPLETE', '2026-01-01T00:00:00Z')], now)?.id).toBe('old');
    expect(
      pickReusableJob(
        [job('old', 'COMPLETE', '2026-01-01T00:00:00Z'), job('live', 'LINK_SENT', '2026-01-31T00:00:00Z')],
        now,
        since,
      )?.id,
    ).toBe('live');
    expect(
      pickReusableJob(
        [job('old', 'COMPLETE', '2026-01-01T00:00:00Z'), job('new', 'COMPLETE', '2026-02-01T00:05:00Z')],
        now,
        since,
      )?.id,
    ).toBe('new');
  });
});
