/**
 * `--directory-share`: that share of each wave's people already exist in Okta as users a
 * directory (Active Directory) imported, made through the Okta simulator's `POST /_sim/users`
 * before the wave is onboarded. The service adopts them and routes them by a partial update of the
 * routing property alone, which Okta accepts only because the property is Okta-mastered: any
 * `403 E0000023` would show in the workers' log and in the people left NeedsAttention.
 */
import { request } from 'undici';
import { mapLimit } from '../src/util/concurrency';
import { personNames } from '../src/workflows/person-state';
import type { Person } from './people';

/** The directory the bench's sourced users come from. */
const BENCH_DIRECTORY = { type: 'ACTIVE_DIRECTORY', name: 'corp.bench.example' } as const;
const CREATE_CONCURRENCY = 8;

/** Makes the directory-sourced people's Okta users; /_sim routes are not rate-limited. */
export async function seedDirectoryUsers(oktaUrl: string, people: readonly Person[]): Promise<number> {
  const sourced = people.filter((person) => person.directorySourced);
  await mapLimit(sourced, CREATE_CONCURRENCY, async (person) => {
    const response = await request(`${oktaUrl}/_sim/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        profile: { login: person.email, email: person.email, ...personNames(person.email) },
        source: BENCH_DIRECTORY,
      }),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200)
      throw new Error(
        `the Okta simulator did not make the directory user ${person.email}: HTTP ${response.statusCode} ${text.slice(0, 200)}`,
      );
  });
  return sourced.length;
}
