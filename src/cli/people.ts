/**
 * The people an operator asks to onboard: from the command line or a CSV file, validated as a
 * whole before anything starts, so a typo in line 40 never leaves 39 people half-started.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { usernameProblem } from '../clients/beyond-identity/ensure';
import { errorMessage } from '../util/errors';
import { normalizeEmail, type PersonInput } from '../workflows/definitions';

/** Input that starts nobody; `problems` names each bad entry (where, and why), when there are any. */
export class PeopleInputError extends Error {
  override name = 'PeopleInputError';
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

const personSchema = z.object({
  email: z.email({ message: 'not a valid email address' }),
  firstName: z.string().trim().max(50).optional(),
  lastName: z.string().trim().max(50).optional(),
});

type Candidate = { email: string; firstName?: string; lastName?: string; where: string };

/**
 * A CSV file with a header row naming `email` (and optionally `firstName`, `lastName`; also
 * `first_name`, `last_name`), or a plain list: one email per line. Blank lines and lines
 * starting with # are skipped.
 */
export async function readPeopleFile(path: string): Promise<Candidate[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PeopleInputError(`Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true, comment: '#', relax_column_count: true }) as string[][];
  } catch (error) {
    throw new PeopleInputError(`${path} is not valid CSV: ${errorMessage(error)}`);
  }
  if (rows.length === 0) return [];
  const header = rows[0]!.map((cell) => cell.toLowerCase().replace(/[\s_-]/g, ''));
  const emailColumn = header.indexOf('email');
  if (emailColumn === -1) {
    // No header: every first cell is an email.
    return rows.map((row, index) => ({ email: row[0] ?? '', where: `${path}:${index + 1}` }));
  }
  const first = header.indexOf('firstname');
  const last = header.indexOf('lastname');
  return rows.slice(1).map((row, index) => ({
    email: row[emailColumn] ?? '',
    firstName: first >= 0 ? row[first] || undefined : undefined,
    lastName: last >= 0 ? row[last] || undefined : undefined,
    where: `${path}:${index + 2}`,
  }));
}

/** Every problem at once, or the normalised, de-duplicated people. */
export function validatePeople(candidates: Candidate[], integrationId: string): PersonInput[] {
  const problems: string[] = [];
  const people = new Map<string, PersonInput>();
  for (const candidate of candidates) {
    const parsed = personSchema.safeParse({ ...candidate, email: candidate.email.trim() });
    if (!parsed.success) {
      problems.push(
        `${candidate.where}: "${candidate.email}": ${parsed.error.issues.map((issue) => issue.message).join('; ')}`,
      );
      continue;
    }
    const biProblem = usernameProblem(parsed.data.email);
    if (biProblem) {
      problems.push(`${candidate.where}: "${candidate.email}": ${biProblem}`);
      continue;
    }
    const email = normalizeEmail(parsed.data.email);
    if (!people.has(email)) {
      people.set(email, {
        integrationId,
        email,
        firstName: parsed.data.firstName || undefined,
        lastName: parsed.data.lastName || undefined,
      });
    }
  }
  if (problems.length > 0) {
    throw new PeopleInputError(
      `Nothing was started; fix these and run the command again:\n${problems.map((problem) => `  ${problem}`).join('\n')}`,
      problems,
    );
  }
  if (people.size === 0)
    throw new PeopleInputError('No email addresses given: pass them as arguments or with --file people.csv.');
  return [...people.values()];
}
