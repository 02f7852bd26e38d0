/**
 * The simulated org's objects, kept as plain JSON so the whole state can be persisted and shown.
 * Records hold what the API needs to render; renderers (users.ts, idps.ts, policies.ts, groups.ts) add
 * `_links` from the org URL at response time, so a persisted state works on any port.
 */
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { JsonStateFile } from '../shared/persistence';
import { newPolicyId, newRuleId, newUserSchemaId } from './ids';
import { oauthStateFields } from './oauth/records';

const json = z.record(z.string(), z.unknown());

/** One System Log event: `seq` is its persistence order (the polling cursor), `event` the `LogEvent` as rendered. */
const logEventRecordSchema = z.object({ seq: z.number().int(), event: json });
type LogEventRecord = z.infer<typeof logEventRecordSchema>;

const userRecordSchema = z.object({
  /** Creation order, for stable paging cursors. */
  seq: z.number().int(),
  id: z.string(),
  status: z.enum([
    'STAGED',
    'PROVISIONED',
    'ACTIVE',
    'DEPROVISIONED',
    'SUSPENDED',
    'LOCKED_OUT',
    'PASSWORD_EXPIRED',
    'RECOVERY',
  ]),
  created: z.string(),
  activated: z.string().nullable(),
  statusChanged: z.string().nullable(),
  lastLogin: z.string().nullable(),
  lastUpdated: z.string(),
  passwordChanged: z.string().nullable(),
  /** Whether a password was set at creation (it is never stored or shown). */
  hasPassword: z.boolean(),
  profile: json,
  provider: z.object({ type: z.string(), name: z.string() }),
  /** The directory that masters the profile (set by `POST /_sim/users` only); absent: Okta masters it. */
  profileSource: z.object({ type: z.enum(['ACTIVE_DIRECTORY', 'LDAP']), name: z.string() }).optional(),
});
export type UserRecord = z.infer<typeof userRecordSchema>;

const idpRecordSchema = z.object({
  seq: z.number().int(),
  id: z.string(),
  status: z.enum(['ACTIVE', 'INACTIVE']),
  created: z.string(),
  lastUpdated: z.string(),
  /** The validated request body: type, name, issuerMode, protocol, policy (client secret included). */
  body: json,
});
export type IdpRecord = z.infer<typeof idpRecordSchema>;

const groupRecordSchema = z.object({
  seq: z.number().int(),
  id: z.string(),
  /** Only OKTA_GROUP can be created through the API; APP_GROUP would come from an app import. */
  type: z.enum(['OKTA_GROUP', 'APP_GROUP', 'BUILT_IN']),
  created: z.string(),
  lastUpdated: z.string(),
  lastMembershipUpdated: z.string(),
  profile: z.object({ name: z.string(), description: z.string().nullable() }),
  /** Member user ids; a user deleted for good drops out of every listing. */
  members: z.array(z.string()),
});
export type GroupRecord = z.infer<typeof groupRecordSchema>;

const ruleRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['ACTIVE', 'INACTIVE']),
  system: z.boolean(),
  created: z.string().nullable(),
  lastUpdated: z.string(),
  conditions: json,
  actions: json,
});
export type RuleRecord = z.infer<typeof ruleRecordSchema>;

const userSchemaStateSchema = z.object({
  id: z.string(),
  created: z.string(),
  lastUpdated: z.string(),
  /** The org's custom profile properties by name (`definitions.custom.properties`), as accepted (schema.ts). */
  custom: z.record(z.string(), json),
  /** Base properties whose permissions the org changed (the only change Okta allows on them). */
  basePermissions: z.record(z.string(), z.array(z.object({ principal: z.string(), action: z.string() }))),
});
type UserSchemaState = z.infer<typeof userSchemaStateSchema>;

function emptyUserSchema(): UserSchemaState {
  const created = nowIso();
  return { id: newUserSchemaId(), created, lastUpdated: created, custom: {}, basePermissions: {} };
}

const oktaStateSchema = z.object({
  version: z.literal(1),
  nextSeq: z.number().int(),
  users: z.array(userRecordSchema),
  idps: z.array(idpRecordSchema),
  policy: z.object({ id: z.string(), name: z.string(), created: z.string(), lastUpdated: z.string() }),
  /** The user-made rules in priority order (index 0 = priority 1); the system default rule is always after them. */
  rules: z.array(ruleRecordSchema),
  defaultRule: ruleRecordSchema,
  /** Added after version 1 files were first written: a file without it loads with no custom properties. */
  userSchema: userSchemaStateSchema.optional().transform((value) => value ?? emptyUserSchema()),
  /** Added after version 1 files were first written: a file without it loads with no groups. */
  groups: z
    .array(groupRecordSchema)
    .optional()
    .transform((value) => value ?? []),
  /** OAuth 2.0 service apps, their scope grants and their clients' admin roles (oauth/records.ts). */
  ...oauthStateFields,
  /** The System Log (system-log.ts), oldest first. Kept in a file of its own (below), so this one is written empty. */
  logEvents: z
    .array(logEventRecordSchema)
    .optional()
    .transform((value) => value ?? []),
});
export type OktaState = z.infer<typeof oktaStateSchema>;

export function nowIso(): string {
  return new Date().toISOString();
}

/** A fresh org: no users or IdPs, the one system IdP-discovery policy and its default rule routing to Okta. */
function emptyState(): OktaState {
  const created = nowIso();
  return {
    version: 1,
    nextSeq: 1,
    users: [],
    idps: [],
    groups: [],
    apps: [],
    appGrants: [],
    clientRoles: [],
    logEvents: [],
    policy: { id: newPolicyId(), name: 'Idp Discovery Policy', created, lastUpdated: created },
    rules: [],
    userSchema: emptyUserSchema(),
    defaultRule: {
      id: newRuleId(),
      name: 'Default Rule',
      status: 'ACTIVE',
      system: true,
      // The spec's example of the default rule has `created: null`.
      created: null,
      lastUpdated: created,
      conditions: {
        network: { connection: 'ANYWHERE' },
        platform: { include: [], exclude: [] },
        userIdentifier: { patterns: [] },
        app: { include: [], exclude: [] },
      },
      actions: { idp: { providers: [{ type: 'OKTA' }], idpSelectionType: 'SPECIFIC', shouldFallBackToOkta: false } },
    },
  };
}

/** Okta keeps 90 days of events; the simulator keeps the newest ones up to this count. */
const RETAINED_LOG_EVENTS = 100_000;

/**
 * The System Log's file: one event per line, appended (synchronously, so durable at once) as each
 * is written. Events outnumber everything else many times over, and rewriting them all with the
 * state file on every change would make each change as slow as the log is long.
 */
class LogEventFile {
  private lines = 0;
  constructor(readonly path: string) {}

  load(): LogEventRecord[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: LogEventRecord[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      // A line cut short by a kill mid-write is the only one that may not parse: it was never answered.
      const parsed = logEventRecordSchema.safeParse(safeJson(line));
      if (parsed.success) records.push(parsed.data);
    }
    this.lines = records.length;
    return records;
  }

  append(record: LogEventRecord): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
    this.lines += 1;
  }

  /** Rewrites the file with only `records` once it holds twice the retained count. */
  compact(records: LogEventRecord[]): void {
    if (this.lines <= 2 * RETAINED_LOG_EVENTS) return;
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    renameSync(temporary, this.path);
    this.lines = records.length;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The state plus its optional files; every mutation calls `changed()`. */
export class OktaStore {
  readonly state: OktaState;
  private readonly file: JsonStateFile<OktaState> | undefined;
  private readonly logFile: LogEventFile | undefined;

  constructor(stateFile?: string) {
    this.file = stateFile === undefined ? undefined : new JsonStateFile(stateFile, oktaStateSchema);
    this.logFile = stateFile === undefined ? undefined : new LogEventFile(`${stateFile}.events.jsonl`);
    this.state = this.file?.load() ?? emptyState();
    const logged = this.logFile?.load() ?? [];
    if (logged.length > 0) {
      this.state.logEvents.push(...logged);
      // An event appended just before a kill may be newer than the state file's counter.
      this.state.nextSeq = Math.max(this.state.nextSeq, logged[logged.length - 1]!.seq + 1);
    }
    if (this.file) this.changed();
  }

  /** Appends one System Log event (durably, when there is a file) and drops the oldest beyond retention. */
  appendLogEvent(event: Record<string, unknown>): void {
    const record = { seq: this.nextSeq(), event };
    this.state.logEvents.push(record);
    const excess = this.state.logEvents.length - RETAINED_LOG_EVENTS;
    if (excess > 0) this.state.logEvents.splice(0, excess);
    this.logFile?.append(record);
    this.logFile?.compact(this.state.logEvents);
    this.changed();
  }

  nextSeq(): number {
    const seq = this.state.nextSeq;
    this.state.nextSeq += 1;
    return seq;
  }

  changed(): void {
    this.file?.scheduleSave(() => ({ ...this.state, logEvents: [] }));
  }

  flush(): void {
    this.file?.flush();
  }
}
