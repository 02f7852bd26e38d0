/**
 * The operator CLI: `npm run cli -- <command>` or the `bi-okta` package bin. It talks to Temporal
 * only; the worker holds the Beyond Identity and Okta credentials. The one exception is
 * `okta-service-app`, run once with an Okta admin's token to make the worker's own credential.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { Connection } from '@temporalio/client';
import { ConfigError } from './config';
import * as commands from './cli/commands';
import { checkOktaGroupUsage, MAX_PAGE_SIZE, onboardOktaGroup, type OktaGroupOptions } from './cli/okta-group';
import {
  CLIENT_ROLES,
  DEFAULT_APP_NAME,
  DEFAULT_CLIENT_ROLE,
  DEFAULT_KEY_FILE,
  oktaServiceApp,
  type ServiceAppOptions,
} from './cli/okta-service-app';
import { KEY_TYPES } from './cli/service-app-key';
import { DEFAULT_OKTA_SCOPES } from './clients/okta/credentials';
import { readPeopleFile, validatePeople, PeopleInputError } from './cli/people';
import { report, REPORT_FORMATS, type ReportFormat } from './cli/report';
import { CliError, EXIT, openSession, output, type Output, type Session } from './cli/session';
import { rebind } from './cli/rebind';
import { sync, type SyncOptions } from './cli/sync';
import { verify } from './cli/verify';
import { temporalTarget } from './temporal/connection';
import { ALL_STATUSES, SEARCH_ATTRIBUTE_KEYS } from './workflows/definitions';
import { errorMessage } from './util/errors';

export { EXIT } from './cli/session';

async function doctor(out: Output): Promise<number> {
  const target = temporalTarget();
  const report: {
    address: string;
    namespace: string;
    reachable: boolean;
    missingSearchAttributes: string[];
    error?: string;
  } = {
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
    report.missingSearchAttributes = SEARCH_ATTRIBUTE_KEYS.map((key) => key.name).filter(
      (name) => !(name in (customAttributes ?? {})),
    );
  } catch (error) {
    report.error = errorMessage(error);
  } finally {
    await connection?.close();
  }
  out.print(report, () => {
    if (!report.reachable) {
      return (
        `Temporal is not reachable at ${report.address} (namespace ${report.namespace}): ${report.error}\n` +
        'Start the embedded stack with `npm start`, or point TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (and TEMPORAL_API_KEY or TLS settings) at your cluster.'
      );
    }
    if (report.missingSearchAttributes.length > 0) {
      return (
        `Temporal at ${report.address} answers, but these search attributes are not registered in namespace ${report.namespace}: ` +
        `${report.missingSearchAttributes.join(', ')}.\n` +
        `Register them (all Keyword), e.g. \`temporal operator search-attribute create --namespace ${report.namespace} --name Integration --type Keyword\`.`
      );
    }
    return `Temporal at ${report.address} (namespace ${report.namespace}) is reachable; search attributes are registered.`;
  });
  if (!report.reachable) return EXIT.unreachable;
  return report.missingSearchAttributes.length > 0 ? EXIT.failed : EXIT.ok;
}

/** Opens a session, runs the command, closes the session, and records the exit code. */
function withSession(run: (session: Session, out: Output, ...args: never[]) => Promise<number>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const json = Boolean(command.optsWithGlobals<{ json?: boolean }>().json);
    const session = await openSession();
    try {
      process.exitCode = await run(session, output(json), ...(args.slice(0, -1) as never[]));
    } finally {
      await session.close();
    }
  };
}

function positiveSeconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return parsed;
}

function count(what: string, min: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value.trim()) || parsed < min) throw new InvalidArgumentError(`must be a whole number ${what}`);
    return parsed;
  };
}

function pageSize(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > MAX_PAGE_SIZE)
    throw new InvalidArgumentError(`must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  return parsed;
}

export function buildProgram(): Command {
  const program = new Command('bi-okta')
    .description(
      'Onboard people to Beyond Identity passkeys for Okta sign-in, as durable Temporal workflows.\n' +
        'The integration is chosen by BI_TENANT_ID, BI_REALM_NAME and OKTA_ORG_URL (defaults: the embedded stack).',
    )
    .addOption(new Option('--json', 'machine-readable output on stdout'))
    .showHelpAfterError()
    .exitOverride();

  program
    .command('onboard')
    .description('start onboarding people: identity, binding email, wait for the passkey, Okta user, routing')
    .argument('[emails...]', 'email addresses')
    .option(
      '-f, --file <people.csv>',
      'a CSV with an email column (and optionally firstName, lastName), or one email per line',
    )
    .option(
      '--okta-group <name or id>',
      "an Okta group's exact name or its id (00g…): its ACTIVE members are onboarded, the others listed as skipped",
    )
    .option('--dry-run', 'with --okta-group: print who would be onboarded and who is skipped; start nobody')
    .option(
      '--page-size <n>',
      `with --okta-group: members read per Okta page (1-${MAX_PAGE_SIZE}, default 200)`,
      pageSize,
    )
    .action(
      withSession(async (session, out, emails: string[], options: { file?: string } & Partial<OktaGroupOptions>) => {
        checkOktaGroupUsage(emails, options);
        if (options.oktaGroup !== undefined)
          return onboardOktaGroup(session, out, { ...options, oktaGroup: options.oktaGroup });
        const candidates = emails.map((email, index) => ({ email, where: `argument ${index + 1}` }));
        if (options.file) candidates.push(...(await readPeopleFile(options.file)));
        const people = validatePeople(candidates, session.spec.integrationId);
        return commands.onboard(session, out, people);
      }),
    );

  program
    .command('status')
    .description("one person's onboarding, or the integration's shared objects when no email is given")
    .argument('[email]')
    .action(withSession(async (session, out, email: string | undefined) => commands.status(session, out, email)));

  program
    .command('bound')
    .description(
      'tell the onboarding that the person has bound a passkey (verified with Beyond Identity before routing)',
    )
    .argument('<email>')
    .option(
      '--check',
      'ask the workflow to check with Beyond Identity now and answer accepted or rejected (exit 1 when rejected)',
    )
    .action(
      withSession(async (session, out, email: string, options: { check?: boolean }) =>
        commands.bound(session, out, email, Boolean(options.check)),
      ),
    );

  program
    .command('list')
    .description('the onboardings of this integration')
    .addOption(new Option('--status <status>', 'only those with this status').choices(ALL_STATUSES))
    .action(
      withSession(async (session, out, options: { status?: string }) => commands.list(session, out, options.status)),
    );

  program
    .command('watch')
    .description('live progress of every onboarding, refreshed in place')
    .option('--interval <seconds>', 'refresh interval', positiveSeconds, 2)
    .option('--until-settled', 'exit once nobody is still running, waiting or needing attention')
    .action(
      withSession(async (session, out, options: { interval: number; untilSettled?: boolean }) =>
        commands.watch(session, out, {
          intervalSeconds: options.interval,
          untilSettled: Boolean(options.untilSettled),
        }),
      ),
    );

  program
    .command('retry')
    .description(
      'after fixing what NeedsAttention named, retry the failed step (of a person, or of the integration without an email)',
    )
    .argument('[email]')
    .action(withSession(async (session, out, email: string | undefined) => commands.retry(session, out, email)));

  program
    .command('cancel')
    .description(
      'stop onboarding a person (or offboard one who is done): out of routing, then undo what the service created',
    )
    .argument('<email>')
    .action(withSession(async (session, out, email: string) => commands.cancel(session, out, email)));

  program
    .command('teardown')
    .description('undo everything this integration created, in reverse order (adopted objects are kept)')
    .option('--yes', 'confirm: this removes the routing rule, the people the service created, and the shared objects')
    .option('--wait', 'wait until the teardown has finished')
    .action(
      withSession(async (session, out, options: { yes?: boolean; wait?: boolean }) => {
        if (!options.yes)
          throw new CliError(
            `Teardown removes what integration ${session.spec.integrationId} created. Run again with --yes to confirm.`,
            EXIT.usage,
          );
        return commands.teardown(session, out, Boolean(options.wait));
      }),
    );

  program
    .command('preflight')
    .description(
      'before anything is written: read-only checks of Beyond Identity and Okta, run by the worker, with a fix for each failure',
    )
    .action(withSession(async (session, out) => commands.preflight(session, out)));

  program
    .command('report')
    .description(
      'audit export: one row per person (status, step, bound at, routed, Okta user adopted or created, emails sent, last error), from Temporal',
    )
    .addOption(
      new Option('--format <format>', 'csv (RFC 4180) or json; default csv, json with --json').choices(REPORT_FORMATS),
    )
    .option('-o, --output <file>', 'write the report to this file instead of stdout')
    .action(
      withSession(async (session, out, options: { format?: ReportFormat; output?: string }) =>
        report(session, out, { format: options.format ?? (out.json ? 'json' : 'csv'), output: options.output }),
      ),
    );

  program
    .command('verify')
    .description(
      'check the federation now (shared objects and routed people) on the worker: put back what drifted, say what needs attention and the fix',
    )
    .option(
      '--schedule <off|interval>',
      'instead: pause the verify schedule (off), or run it every interval (30m, 6h, 1d) and resume it',
    )
    .action(withSession(async (session, out, options: { schedule?: string }) => verify(session, out, options)));

  program
    .command('sync')
    .description(
      'keep an Okta group in sync on a Temporal Schedule: joiners onboarded, leavers out of routing and suspended, with a guard on removals',
    )
    .option('--okta-group <name or id>', "the group's exact name or its id (00g…), resolved once by the worker")
    .option('--every <interval|off>', 'full reconcile interval (30m, 1h, 1d; default 1h), or off to pause the sync')
    .option(
      '--max-removals <n>',
      'people one run may take out without approval (default 5 % of the group or 10, whichever is larger)',
      count('(0 or more)', 0),
    )
    .option('--dry-run', 'print the plan (joiners, leavers, returning, movers, excluded, unchanged); change nothing')
    .option('--list', 'every sync of this integration: interval, status, last run, a guard holding removals')
    .option(
      '--approve <count>',
      'let the removals a guard held go: exactly the count it named',
      count('of 1 or more', 1),
    )
    .action(withSession(async (session, out, options: SyncOptions) => sync(session, out, options)));

  program
    .command('rebind')
    .description(
      'a person who lost their passkey: send a new binding email (a live link is reused); their routing is not changed',
    )
    .argument('<email>')
    .action(withSession(async (session, out, email: string) => rebind(session, out, email)));

  program
    .command('okta-service-app')
    .description(
      "once, with an Okta Super Administrator's API token (OKTA_API_TOKEN): make or complete the worker's OAuth service app " +
        '(private_key_jwt key pair made here, scopes, admin role) and print the settings that replace OKTA_API_TOKEN in the worker',
    )
    .option('--org-url <url>', 'the Okta org URL (default: OKTA_ORG_URL)')
    .option('--name <label>', "the app's label, matched exactly", DEFAULT_APP_NAME)
    .option(
      '--key-file <path>',
      "the private key (PKCS#8 PEM, created 0600; reused when it is the app's)",
      DEFAULT_KEY_FILE,
    )
    .addOption(
      new Option('--key-type <type>', 'for a new key: RSA 2048 (RS256) or EC P-256 (ES256)')
        .choices(KEY_TYPES)
        .default('rsa'),
    )
    .option(
      '--no-dpop',
      "a new app's access tokens are not bound to its key (DPoP is required by default, as in the Admin Console)",
    )
    .option('--scopes <scopes>', 'Okta API scopes to grant, space- or comma-separated', DEFAULT_OKTA_SCOPES.join(' '))
    .addOption(
      new Option('--role <type>', "the client's admin role").choices(CLIENT_ROLES).default(DEFAULT_CLIENT_ROLE),
    )
    .action(async (options: ServiceAppOptions, command: Command) => {
      process.exitCode = await oktaServiceApp(
        output(Boolean(command.optsWithGlobals<{ json?: boolean }>().json)),
        options,
      );
    });

  program
    .command('doctor')
    .description('check that Temporal is reachable and set up for this service')
    .action(async (_options: unknown, command: Command) => {
      process.exitCode = await doctor(output(Boolean(command.optsWithGlobals<{ json?: boolean }>().json)));
    });

  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    const code = (error as { exitCode?: number; code?: string }).exitCode;
    if (error instanceof CliError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = error.exitCode;
    } else if (error instanceof PeopleInputError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = EXIT.usage;
    } else if (code !== undefined) {
      // commander has already printed the usage error or the help.
      process.exitCode = code === 0 ? EXIT.ok : EXIT.usage;
    } else {
      process.stderr.write(`${errorMessage(error)}\n`);
      process.exitCode = EXIT.failed;
    }
  }
}

if (require.main === module) void runCli(process.argv);
