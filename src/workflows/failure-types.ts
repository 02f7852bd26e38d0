/**
 * The failure types no activity retry can fix: each needs a person (a refused token, input no
 * upstream accepts, a malformed answer). Retry policies list them by name, and each error class
 * declares its `name` as one of these, so the list and the classes cannot drift apart
 * (test/unit/failure-types.test.ts checks they match one to one). No imports: workflow code and
 * clients both use it.
 */
export const NON_RETRYABLE_TYPES = [
  'RejectedUpstreamError',
  'MalformedUpstreamResponseError',
  'InvalidInputError',
  'InvalidBeyondIdentityInputError',
  'RoutingAttributeUnusableError',
  'RoutingNotConfirmedError',
  'RoutingPropertyUnsafeError',
  'RoutingAttributeMasteredError',
  'IntegrationGoneError',
  'OktaUserNotActiveError',
] as const;
export type NonRetryableType = (typeof NON_RETRYABLE_TYPES)[number];

export function isNonRetryableType(name: string): name is NonRetryableType {
  return (NON_RETRYABLE_TYPES as readonly string[]).includes(name);
}
