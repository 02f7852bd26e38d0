/**
 * Environment → validated configuration, in one place. Each process reads only the part it
 * needs; every problem is reported at once, by variable name, with what was expected.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

export const PROJECT_ROOT = resolve(__dirname, '..');

const port = z.coerce.number().int().min(1).max(65_535);

/** Settings of `npm start`, the embedded stack. */
export const stackConfigSchema = z.object({
  /** When set and answering, the stack reuses that Temporal server instead of starting one. */
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** Where the dev server's SQLite file, logs and simulator state live. */
  DATA_DIR: z.string().min(1).default(resolve(PROJECT_ROOT, '.data')),
});
export type StackConfig = z.infer<typeof stackConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses `env` with `schema`; throws one ConfigError that lists every bad variable. */
export function parseConfig<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  // Empty strings mean "unset", the way shells and .env files usually leave them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    return `  ${name}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}
