// The one error-to-text. Pure (no imports), so workflow code may use it too.

/** The message of an Error, or the thrown value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
