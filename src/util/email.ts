// One email normalization, pure (no imports): workflows, activities, clients and the CLI all key people by it.

/** One person, one id: emails are trimmed and lower-cased, so Alice@Example.com and alice@example.com are one person. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
