// The one list of non-retryable failure types and the error classes that raise them match one to one:
// a class added without its name in the list (or a name left behind) fails here.
import { ApplicationFailure } from '@temporalio/common';
import { IntegrationGoneError, InvalidInputError, toApplicationFailure } from '../../src/activities/failures';
import { InvalidBeyondIdentityInputError } from '../../src/clients/beyond-identity/ensure';
import {
  MalformedUpstreamResponseError,
  RejectedUpstreamError,
  TransientUpstreamError,
} from '../../src/clients/http/errors';
import {
  OktaUserNotActiveError,
  RoutingAttributeUnusableError,
  RoutingNotConfirmedError,
} from '../../src/clients/okta/ensure';
import { RoutingAttributeMasteredError, RoutingPropertyUnsafeError } from '../../src/clients/okta/routing-property';
import { NON_RETRYABLE_TYPES } from '../../src/workflows/failure-types';

const details = { service: 'okta' as const, operation: 'create user' };

/** One instance of every error class whose failure no retry can fix. */
const nonRetryable: Error[] = [
  new RejectedUpstreamError({ ...details, status: 403 }),
  new MalformedUpstreamResponseError({ ...details, problems: ['id: required'] }),
  new InvalidInputError('x'),
  new InvalidBeyondIdentityInputError('x'),
  new RoutingAttributeUnusableError('x'),
  new RoutingNotConfirmedError('x'),
  new RoutingPropertyUnsafeError('x'),
  new RoutingAttributeMasteredError('x'),
  new IntegrationGoneError('x'),
  new OktaUserNotActiveError('x'),
];

describe('non-retryable failure types', () => {
  it('lists each error class name once, and nothing else', () => {
    const names = nonRetryable.map((error) => error.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...NON_RETRYABLE_TYPES].sort());
  });

  it('classifies each as a non-retryable failure of its own type', () => {
    for (const error of nonRetryable) {
      const failure = toApplicationFailure(error);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect({
        type: (failure as ApplicationFailure).type,
        nonRetryable: (failure as ApplicationFailure).nonRetryable,
      }).toEqual({ type: error.name, nonRetryable: true });
    }
  });

  it('leaves the transient upstream failure retryable', () => {
    const transient = new TransientUpstreamError('timeout', details);
    expect(NON_RETRYABLE_TYPES).not.toContain(transient.name);
    expect((toApplicationFailure(transient) as ApplicationFailure).nonRetryable).toBe(false);
  });
});
