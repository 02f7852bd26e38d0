/** Comparisons the ensure-operations use to name the settings that drifted from what the guide wants. */

/** Same members, in any order. */
export function sameSet(a: readonly string[] | null | undefined, b: readonly string[]): boolean {
  return JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...b].sort());
}
