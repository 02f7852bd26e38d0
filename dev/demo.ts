/**
 * `npm run demo`: one person through the whole guide on the embedded default. Uses the stack of a
 * running `npm start`, or starts the same stack for the length of the demo. Onboards a sample
 * person, receives their binding email in the simulator's outbox, binds the passkey the way the
 * person would (open the link, submit the page), sends the operator's `credentialBound` signal,
 * waits until Okta routes them to Beyond Identity, and runs the federated sign-in check.
 * Exits 0 on success, 1 with the reason otherwise.
 */
import { request } from 'undici';
import * as commands from '../src/cli/commands';
import { validatePeople } from '../src/cli/people';
import { personState } from '../src/cli/people-commands';
import { CliError, EXIT, openSession, output, workflowLink, type Session } from '../src/cli/session';
import { parseConfig, simulatorPortsSchema, stackConfigSchema, usesEmbeddedUpstreams } from '../src/config';
import { bindPasskeyFromOutbox, outboxFor } from './simulators/beyond-identity/person-agent';
import type { SignInResult } from './simulators/okta/sign-in';
import { startFailureText, startStack, type EmbeddedStack } from './stack';
import { isFrontendAnswering } from './temporal/dev-server';
import { personWorkflowId } from '../src/workflows/definitions';

class DemoFailure extends Error {
  override name = 'DemoFailure';
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line: string) => process.stdout.write(`${line}\n`);
let stepNumber = 0;
const STEPS = 7;

async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
  stepNumber += 1;
  process.stdout.write(`[${stepNumber}/${STEPS}] ${title} ... `);
  try {
    const result = await run();
    process.stdout.write(`done (at ${elapsed()})\n`);
    return result;
  } catch (error) {
    process.stdout.write('FAILED\n');
    throw error;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await request(url, { headersTimeout: 2_000, bodyTimeout: 2_000 });
    await response.body.dump();
    return response.statusCode === 200;
  } catch {
    return false;
  }
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new DemoFailure(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const interrupted = new AbortController();
/** What a signal does now: during start, abort it (startStack stops what it started); afterwards, stop the stack. */
let onInterrupt = (): void => undefined;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (interrupted.signal.aborted) return;
    process.stderr.write(`\n${signal} received; stopping the demo.\n`);
    interrupted.abort();
    onInterrupt();
    setTimeout(() => process.exit(130), 60_000).unref();
  });
}

async function main(): Promise<number> {
  const env = { ...process.env };
  if (!usesEmbeddedUpstreams(env)) {
    throw new DemoFailure(
      '`npm run demo` runs on the embedded default (the simulators); unset BI_REGION, BI_MANAGEMENT_URL, BI_AUTH_URL and OKTA_ORG_URL.',
    );
  }
  const stackConfig = parseConfig(stackConfigSchema, env);
  const ports = parseConfig(simulatorPortsSchema, env);
  const address = stackConfig.TEMPORAL_ADDRESS ?? `127.0.0.1:${stackConfig.TEMPORAL_PORT}`;
  const biUrl = `http://127.0.0.1:${ports.BI_SIM_MANAGEMENT_PORT}`;
  const oktaUrl = `http://127.0.0.1:${ports.OKTA_SIM_PORT}`;

  let stack: EmbeddedStack | undefined;
  const reuse =
    (await isFrontendAnswering(address, stackConfig.TEMPORAL_NAMESPACE)) &&
    (await answers(`${biUrl}/_sim/outbox`)) &&
    (await answers(`${oktaUrl}/_sim/faults`));
  if (reuse) {
    say(`Using the stack of the running \`npm start\` (Temporal ${address}).`);
  } else {
    say('Starting the embedded stack (Temporal dev server, both simulators, the worker) for this demo ...');
    stack = await startStack(env, () => undefined, interrupted.signal);
  }
  const ownStack = stack;
  // Ctrl-C or SIGTERM: stop the demo's stack (its children would follow us anyway: they are supervised).
  onInterrupt = () => void (ownStack?.stop() ?? Promise.resolve()).then(() => process.exit(130));
  let session: Session | undefined;
  const stopping = async () => {
    await session?.close();
    if (stack) {
      say('Stopping the stack the demo started ...');
      await stack.stop();
    }
  };
  try {
    session = await openSession({ ...env, TEMPORAL_ADDRESS: stack?.temporalAddress ?? address });
    return await scenario(session, biUrl, oktaUrl, Boolean(stack), stackConfig.DATA_DIR);
  } finally {
    await stopping();
  }
}

async function scenario(
  session: Session,
  biUrl: string,
  oktaUrl: string,
  ownStack: boolean,
  dataDir: string,
): Promise<number> {
  const email = `demo.person+${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}@example.com`;
  const quiet = output(true);
  quiet.print = () => undefined;
  quiet.info = () => undefined;
  say(`Sample person: ${email}\n`);

  await step('Start the onboarding (integration + person workflows)', async () => {
    await commands.onboard(session, quiet, validatePeople([{ email, where: 'demo' }], session.spec.integrationId));
  });
  const message = await step('Wait for the binding email in the simulator outbox', () =>
    until('the binding email', async () => (await outboxFor(biUrl, email))[0], 120_000),
  );
  await step(`Open the link and press "Bind passkey", as ${email} would`, () => bindPasskeyFromOutbox(biUrl, email));
  await step('Send the operator\'s "credentialBound" signal', () => commands.bound(session, quiet, email, false));
  const state = await step('Wait until Okta routes the person to Beyond Identity', () =>
    until(
      'the person to be routed (or to need attention)',
      async () => {
        const person = await personState(session, email).catch((error: unknown) => {
          if (error instanceof CliError && error.exitCode === EXIT.notFound) return undefined;
          throw error;
        });
        return person?.status === 'Onboarded' || person?.status === 'NeedsAttention' ? person : undefined;
      },
      120_000,
    ),
  );
  if (state.status !== 'Onboarded')
    throw new DemoFailure(`the onboarding needs attention: ${state.attention?.message ?? state.status}`);
  const integration = await step("Read the integration's shared objects", () => commands.integrationState(session));
  const signIn = await step('Federated sign-in check (Okta simulator → Beyond Identity simulator)', async () => {
    const response = await request(`${oktaUrl}/_sim/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    return (await response.body.json()) as SignInResult;
  });

  say('');
  for (const check of signIn.steps)
    say(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}${check.detail ? `: ${check.detail}` : ''}`);
  say('');
  if (!signIn.ok) throw new DemoFailure(`the sign-in check failed: ${signIn.reason ?? 'no reason given'}`);

  const personId = personWorkflowId(session.spec.integrationId, email);
  say(`Success in ${elapsed()}: ${email} signs in to Okta with a Beyond Identity passkey.`);
  say(`  binding email    ${message.subject} (job ${message.job_id})`);
  say(`  identity         ${state.identity?.id}; Okta user ${state.oktaUser?.id}`);
  say(
    `  realm            ${integration.realm?.id}; application ${integration.application?.id}; Okta IdP ${integration.idp?.id}; rule ${integration.routingRule?.id}`,
  );
  say(
    `  routed by        Okta profile property ${session.spec.routing.attribute} = "${session.spec.routing.value}" (rule ${integration.routingRule?.id}, unchanged per person)`,
  );
  if (process.env.TEMPORAL_BACKEND === 'postgres') {
    // No Web UI on this backend: the history, decoded, from the terminal.
    say(
      `  history          npm run cli -- status ${email}   (or: temporal workflow show -w '${personId}' --codec-endpoint <codec server>)`,
    );
  } else {
    say(`  Temporal UI      ${workflowLink(session, personId)}`);
    say(`                   ${workflowLink(session, session.spec.integrationId)}`);
  }
  if (ownStack) say(`  (the demo's stack stops now; its history stays in ${dataDir}: run \`npm start\` to browse it)`);
  return 0;
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    const text =
      error instanceof DemoFailure ? `Demo failed: ${error.message}` : `Demo failed: ${startFailureText(error)}`;
    process.stderr.write(`${text}\n`);
    process.exit(1);
  });
