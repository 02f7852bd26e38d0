/**
 * The operator CLI: `npm run cli -- <command>` or the `bi-okta` bin.
 * (The onboarding commands arrive with the workflows; `doctor` checks the Temporal side now.)
 */
import { Command } from 'commander';
import { Connection } from '@temporalio/client';
import { temporalTarget } from './temporal/connection';
import { SEARCH_ATTRIBUTE_KEYS } from './workflows/definitions';

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

async function doctor(options: { json?: boolean }): Promise<number> {
  const target = temporalTarget();
  const report: { address: string; namespace: string; reachable: boolean; missingSearchAttributes: string[]; error?: string } = {
    address: target.address,
    namespace: target.namespace,
    reachable: false,
    missingSearchAttributes: [],
  };
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ ...target.connectionOptions, connectTimeout: 5_000 });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: target.namespace });
    report.reachable = true;
    report.missingSearchAttributes = SEARCH_ATTRIBUTE_KEYS.map((key) => key.name).filter((name) => !(name in (customAttributes ?? {})));
  } catch (error) {
    report.error = error instanceof Error ? error.message : String(error);
  } finally {
    await connection?.close();
  }

  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (!report.reachable) {
    process.stderr.write(
      `Temporal is not reachable at ${report.address} (namespace ${report.namespace}): ${report.error}\n` +
        'Start the embedded stack with `npm start`, or point TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (and TEMPORAL_API_KEY or TLS settings) at your cluster.\n',
    );
  } else if (report.missingSearchAttributes.length > 0) {
    process.stderr.write(
      `Temporal at ${report.address} answers, but these search attributes are not registered in namespace ${report.namespace}: ` +
        `${report.missingSearchAttributes.join(', ')}.\n` +
        `Register them (all Keyword), e.g. \`temporal operator search-attribute create --namespace ${report.namespace} --name Integration --type Keyword\`.\n`,
    );
  } else {
    process.stdout.write(`Temporal at ${report.address} (namespace ${report.namespace}) is reachable; search attributes are registered.\n`);
  }
  if (!report.reachable) return EXIT.unreachable;
  return report.missingSearchAttributes.length > 0 ? EXIT.failed : EXIT.ok;
}

export function buildProgram(): Command {
  const program = new Command('bi-okta')
    .description('Onboard people to Beyond Identity passkeys for Okta sign-in, as durable Temporal workflows.')
    .showHelpAfterError()
    .exitOverride();
  program
    .command('doctor')
    .description('check that Temporal is reachable and set up for this service')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await doctor(options);
    });
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    // commander has already printed usage errors and help.
    process.exitCode = code === 0 ? EXIT.ok : code !== undefined ? EXIT.usage : EXIT.failed;
    if (code === undefined) process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  }
}

if (require.main === module) void runCli(process.argv);
