/**
 * `npm run bench -- [options]`: how fast many onboardings finish against Okta's rate limits, and
 * that faults and crashes lose nothing. Starts its own stack on free loopback ports, onboards N
 * people, plays them, measures, compares with a plain script, and writes
 * bench/results/<timestamp>-<preset>.json and .svg. See `npm run bench -- --help`.
 */
import { Command, Option } from 'commander';
import { runBench } from './bench';
import { runChurn } from './churn';
import { OptionsError, resolveOptions, type RawOptions } from './options';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

const program = new Command('bench')
  .description(
    'Benchmark and soak harness: onboards N people on its own stack (Temporal dev server, both simulators, K workers) and reports the figures.',
  )
  .addOption(
    new Option(
      '--preset <name>',
      'default (200 people, no faults, baselines), soak (500 people a wave, faults and kills, waves until --duration) or churn (an Okta group of 2,000 kept in sync, then members joining and leaving for --churn-seconds)',
    ).default('default'),
  )
  .option('--n <count>', 'people per wave (1-5000; default 200, soak 500; churn: the group, 2000)')
  .option('--churn-seconds <s>', 'churn: how long members join and leave once the group is onboarded (default 600)')
  .option('--churn-per-minute <n>', 'churn: membership changes a minute, joins and leaves in turn (default 10)')
  .option(
    '--sync-poll <s>',
    "churn: the sync's fast path polls Okta's System Log this often (pollIntervalMs; default 30)",
  )
  .option('--workers <count>', 'worker processes (1-8; default 2)')
  .option('--seed <n>', 'seed of the people, their delays, the faults and the kills', '1')
  .option('--latency <ms>', 'simulator latency on every upstream request', '20')
  .option('--jitter <ms>', 'plus a uniform random 0..jitter ms', '40')
  .option('--window <s>', "Okta's rate-limit window", '10')
  .option(
    '--limit-scale <x>',
    "Okta limits: a Workforce org's per-minute limits (600/2000/600/1200) times this, per window",
    '0.3',
  )
  .option(
    '--limits <list>',
    'override buckets, e.g. usersCollection=30,userById=100 (usersCollection, userById, userMutations, other)',
  )
  .option(
    '--faults <mix>',
    'none or mix (5xx, hangs, dropped connections, lost responses, 429 bursts); default none, soak mix',
  )
  .option('--error-rate <p>', 'probability of 500/503 per request')
  .option('--hang-rate <p>', 'probability of a request that never answers')
  .option('--drop-rate <p>', 'probability of a dropped connection')
  .option('--lost-rate <p>', 'probability of a lost response (the request takes effect)')
  .option('--burst-every <s>', 'a burst of 429s every this many seconds (0 = none)')
  .option('--burst-size <n>', 'requests refused with 429 per burst')
  .option(
    '--okta-concurrency <n>',
    "the Okta simulator's org-wide limit on requests in flight (Okta: 35 for Integrator Free orgs, 75 for others); its 429s are counted apart",
    '75',
  )
  .option('--kill-every <s>', 'SIGKILL a random worker every this many seconds (0 = never; soak 30)')
  .option(
    '--kill-server <count>',
    'chaos: SIGKILL the Temporal dev server this many times at random (seeded) moments spread over the onboarding, each restarted on the same port and SQLite file after --restart-after (0 = never: the in-memory server)',
    '0',
  )
  .option(
    '--kill-simulators <count>',
    "chaos: SIGKILL the simulators' process (both simulators in one child process, durable state files) this many times the same way, each restarted on the same ports and state (0 = never: in this process)",
    '0',
  )
  .option('--restart-after <s>', 'a killed worker, server or simulators process is restarted after this pause', '3')
  .option('--bind-delay <min-max>', 'seconds after the email arrives that each person binds (default 2-40, soak 2-75)')
  .option('--signal-share <p>', "share of people who also get the operator's credentialBound signal", '0.5')
  .option(
    '--directory-share <p>',
    'share of people who are already Okta users imported from Active Directory (their profile mastered by it) before their wave: adopted and routed through the Okta-mastered property',
    '0',
  )
  .option(
    '--poll-interval <s>',
    "how often a person's own watch looks at Beyond Identity for the passkey (BINDING_POLL_INTERVAL_SECONDS)",
    undefined,
  )
  .option('--link-ttl <s>', 'binding link lifetime (default one day; soak 60, so some links expire)')
  .option(
    '--activity-timeout <s>',
    'ACTIVITY_TIMEOUT_SECONDS: start-to-close of one attempt (a killed worker is noticed by the 10-s heartbeat timeout)',
    '300',
  )
  .option('--upstream-timeout <s>', "UPSTREAM_TIMEOUT_SECONDS of the workers' clients", '5')
  .option('--duration <s>', 'soak: keep starting waves until this many seconds have passed (default 420)')
  .option(
    '--timeout <s>',
    'the whole run stops by itself after this long and reports what is unfinished (default 900; soak the larger of 1200 and duration + 600)',
  )
  .option('--baseline <which>', 'both, sequential, concurrent or none (default both; soak none)')
  .option('--out <dir>', 'where the JSON, SVG and logs go', 'bench/results')
  .option(
    '--temporal-backend <which>',
    "the run's own Temporal: dev (the CLI's dev server) or postgres (temporal-server on a local PostgreSQL)",
    'dev',
  )
  .option(
    '--temporal-address <host:port>',
    'an external Temporal server instead, reused and never stopped (search attributes registered)',
  )
  .option(
    '--okta-auth <kind>',
    'how the workers and the baseline authenticate to Okta: oauth (a service app made by `bi-okta okta-service-app`, private_key_jwt, DPoP, as npm start does) or ssws (the API token)',
    'oauth',
  )
  .option('--keep-histories', "also write the integration's workflow histories there (JSON), for a closer look")
  .addHelpText(
    'after',
    '\nA chaos run (--kill-server, --kill-simulators) exits 1 if anyone is not Onboarded at the end, any duplicate exists, a link was emailed twice or a second email went out while a link was live.\n' +
      '\nA churn run exits 1 if a check fails: a lag p95 over the poll interval + 10 s, a change not done, a sync run over the history bound, a duplicate, or onboard by hand → email over 10 s.\n' +
      '\nExamples:\n  npm run bench\n  npm run bench -- --preset churn\n  npm run bench -- --preset churn --n 30 --churn-seconds 60\n  npm run bench -- --preset soak --duration 600\n  npm run bench -- --n 2000 --baseline concurrent --timeout 2400\n  npm run bench -- --kill-server 3 --kill-simulators 3 --kill-every 40',
  );

program.parse();
const raw = program.opts<RawOptions>();

let config;
try {
  config = resolveOptions(raw);
} catch (error) {
  process.stderr.write(`${error instanceof OptionsError ? error.message : String(error)}\n`);
  process.exit(2);
}

const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
const fail = (error: unknown) => {
  process.stderr.write(
    `The benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
};
if (config.preset === 'churn') {
  runChurn(config, command, say)
    .then(({ table, json, failures }) => {
      say('');
      say(table);
      say('');
      say(`Figures: ${json}`);
      if (failures.length > 0) {
        process.stderr.write(
          `The churn run failed its checks:\n${failures.map((failure) => `  ${failure}`).join('\n')}\n`,
        );
        process.exit(1);
      }
      process.exit(0);
    })
    .catch(fail);
} else {
  runBench(config, command, say)
    .then(({ table, files, failures }) => {
      say('');
      say(table);
      say('');
      say(`Figures: ${files.json}`);
      say(`Picture: ${files.svg}`);
      if (failures.length > 0) {
        process.stderr.write(
          `The chaos run failed its checks:\n${failures.map((failure) => `  ${failure}`).join('\n')}\n`,
        );
        process.exit(1);
      }
      process.exit(0);
    })
    .catch((error: unknown) => {
      process.stderr.write(
        `The benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    });
}
