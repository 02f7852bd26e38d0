/**
 * The embedded stack's Okta credential for the worker. By default (OKTA_AUTH=oauth) the stack
 * does what an operator does once: runs `bi-okta okta-service-app` as a process with the
 * simulator's SSWS token, the key file in DATA_DIR, and hands the worker the settings it prints,
 * never the token. The command is idempotent, so a restart on the same DATA_DIR reuses the app
 * and the key. With OKTA_AUTH=ssws the worker gets the simulator's API token instead.
 */
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { OKTA_CREDENTIAL_VARIABLES } from '../../src/clients/okta/credentials-env';
import { spawnSupervised } from './supervised';
import { StackStartError } from './components';

const ROOT = resolve(__dirname, '..', '..');
const SERVICE_APP_KEY_FILE = 'okta-service-app.pem';

/** What the stack reads of the command's --json answer. */
const answerSchema = z.object({
  app: z.object({ clientId: z.string().min(1), created: z.boolean(), dpop: z.boolean() }),
  key: z.object({ kid: z.string().min(1), file: z.string().min(1), written: z.boolean() }),
  settings: z.object({
    OKTA_CLIENT_ID: z.string().min(1),
    OKTA_PRIVATE_KEY_FILE: z.string().min(1),
    OKTA_KEY_ID: z.string().min(1),
    OKTA_SCOPES: z.string().min(1),
  }),
});

export interface OktaCredentialForWorker {
  /** Set in the worker's environment (every other Okta credential variable is removed). */
  env: Record<string, string>;
  /** The banner line. */
  line: string;
}

/** The worker's environment without any Okta credential, so that exactly the one given is there. */
export function withoutOktaCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rest = { ...env };
  for (const name of OKTA_CREDENTIAL_VARIABLES) delete rest[name];
  return rest;
}

export function apiTokenCredential(apiToken: string): OktaCredentialForWorker {
  return { env: { OKTA_API_TOKEN: apiToken }, line: 'Okta credential   API token (SSWS), as OKTA_AUTH=ssws asks' };
}

/** What the worker authenticates with when the stack does not choose (real upstreams): read from its environment. */
export function describeGivenCredential(env: NodeJS.ProcessEnv): string {
  if (env.OKTA_CLIENT_ID) return `Okta credential   OAuth service app ${env.OKTA_CLIENT_ID} (from the environment)`;
  return 'Okta credential   API token (SSWS, from the environment)';
}

/**
 * Runs `okta-service-app` against the simulator, as a supervised child (it never outlives the
 * stack), its progress relayed to `log`; answers the worker's settings.
 */
export async function makeServiceApp(
  sim: { url: string; apiToken: string },
  dataDir: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<OktaCredentialForWorker> {
  const keyFile = join(dataDir, SERVICE_APP_KEY_FILE);
  const args = [
    '--import',
    'tsx',
    join(ROOT, 'src', 'client.ts'),
    '--json',
    'okta-service-app',
    '--org-url',
    sim.url,
    '--key-file',
    keyFile,
  ];
  const child = spawnSupervised(process.execPath, args, {
    graceMs: 5_000,
    output: 'pipe',
    cwd: ROOT,
    env: { ...withoutOktaCredentials(env), OKTA_API_TOKEN: sim.apiToken },
  });
  let stdout = '';
  let stderr = '';
  child.supervisor.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.supervisor.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const line of chunk.toString().split('\n')) if (line.trim()) log(`  [okta-service-app] ${line}`);
  });
  const stop = (): void => void child.stop();
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) stop();
  const exit = await child.exited.finally(() => signal?.removeEventListener('abort', stop));
  if (signal?.aborted) throw new StackStartError('Making the Okta service app was cut short (stopping).');
  if (exit.code !== 0) {
    throw new StackStartError(
      `\`bi-okta okta-service-app\` failed against the Okta simulator (exit ${exit.code ?? exit.signal}):\n${stderr.trim()}\n` +
        'Start with OKTA_AUTH=ssws to give the worker the API token instead.',
    );
  }
  const answer = answerSchema.safeParse(safeJson(stdout));
  if (!answer.success)
    throw new StackStartError(
      `\`bi-okta okta-service-app\` answered something the stack does not understand: ${answer.error.message}`,
    );
  const { app, key, settings } = answer.data;
  return {
    env: { ...settings },
    line:
      `Okta credential   OAuth service app ${app.clientId} (private_key_jwt${app.dpop ? ', DPoP' : ''}; key ${key.kid} in ${key.file}; ` +
      `${app.created ? 'made now' : 'reused'}; no API token in the worker; OKTA_AUTH=ssws for one)`,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
