/**
 * What an IdP-discovery rule must look like (docs/contracts/okta.md §3.3 schema facts, §4 item 8, §7.3): the
 * userIdentifier type/attribute combination (an ATTRIBUTE rule: one pattern, on a property of the
 * user schema), the pattern match types, at most 10 providers, and provider ids that name
 * existing IdPs of the stated type.
 */
import { z } from 'zod';
import type { FieldProblem } from './errors';
import { IDENTITY_PROVIDER_TYPES } from './idp-schema';
import type { IdpRecord } from './state';

const MATCH_TYPES = ['EQUALS', 'STARTS_WITH', 'CONTAINS', 'SUFFIX', 'EXPRESSION'] as const;
/** Provider types that route without naming an IdP (docs/contracts/okta.md §3.3). */
const PROVIDERS_WITHOUT_ID = new Set(['OKTA', 'AgentlessDSSO', 'IWA']);
const MAX_PROVIDERS = 10;

const pattern = z.object({ matchType: z.enum(MATCH_TYPES), value: z.string().min(1) });
const platformEntry = z.object({
  type: z.enum(['ANY', 'DESKTOP', 'MOBILE', 'OTHER']),
  os: z
    .object({
      type: z.enum(['ANDROID', 'ANY', 'CHROMEOS', 'IOS', 'OSX', 'OTHER', 'WINDOWS', 'LINUX']),
      expression: z.string().optional(),
      version: z.object({ matchType: z.enum(['EXPRESSION', 'SEMVER']), value: z.string() }).optional(),
    })
    .optional(),
});
const appEntry = z.object({
  type: z.enum(['APP', 'APP_TYPE']),
  id: z.string().optional(),
  name: z.string().optional(),
});

const conditions = z.object({
  network: z
    .object({
      connection: z.enum(['ANYWHERE', 'ZONE']),
      include: z.array(z.string()).optional(),
      exclude: z.array(z.string()).optional(),
    })
    .default({ connection: 'ANYWHERE' }),
  userIdentifier: z
    .object({
      type: z.enum(['IDENTIFIER', 'ATTRIBUTE']),
      attribute: z.string().min(1).optional(),
      patterns: z.array(pattern),
    })
    .optional(),
  platform: z
    .object({ include: z.array(platformEntry).default([]), exclude: z.array(platformEntry).default([]) })
    .optional(),
  app: z.object({ include: z.array(appEntry).default([]), exclude: z.array(appEntry).default([]) }).optional(),
});

export const ruleBodySchema = z.object({
  type: z.enum(['IDP_DISCOVERY']),
  name: z.string().trim().min(1).max(255),
  priority: z.number().int().min(1).nullable().optional(),
  conditions: conditions.default({ network: { connection: 'ANYWHERE' } }),
  actions: z.object({
    idp: z.object({
      providers: z
        .array(z.object({ type: z.string().min(1), id: z.string().optional(), name: z.string().optional() }))
        .max(MAX_PROVIDERS, `At most ${MAX_PROVIDERS} providers are allowed.`)
        .default([]),
      idpSelectionType: z.enum(['SPECIFIC', 'DYNAMIC']).default('SPECIFIC'),
      matchCriteria: z
        .array(z.object({ providerExpression: z.string().min(1), propertyName: z.string().min(1) }))
        .optional(),
      shouldFallBackToOkta: z.boolean().default(false),
    }),
  }),
});
export type RuleBody = z.infer<typeof ruleBodySchema>;

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/**
 * Rules across fields, provider ids checked against the org's IdPs, and an ATTRIBUTE rule's
 * attribute against the user schema's property names (`profileProperties`, exact names).
 */
export function ruleConsistencyProblems(
  rule: RuleBody,
  idps: IdpRecord[],
  profileProperties: ReadonlySet<string>,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const identifier = rule.conditions.userIdentifier;
  if (identifier?.type === 'ATTRIBUTE') {
    if (!identifier.attribute) {
      problems.push({
        field: 'conditions.userIdentifier.attribute',
        message: 'A userIdentifier of type ATTRIBUTE needs the name of the profile attribute to match.',
      });
    } else if (!profileProperties.has(identifier.attribute)) {
      problems.push({
        field: 'conditions.userIdentifier.attribute',
        message: `"${identifier.attribute}" is not a property of the user profile schema.`,
      });
    }
    // Okta's policy docs: attribute matching, like regex matching, takes exactly one pattern (docs/contracts/okta.md §7.3).
    if (identifier.patterns.length !== 1) {
      problems.push({
        field: 'conditions.userIdentifier.patterns',
        message: `Attribute matching takes exactly one pattern, not ${identifier.patterns.length}.`,
      });
    }
  }
  identifier?.patterns.forEach((entry, index) => {
    if (entry.matchType === 'EXPRESSION' && !isValidRegex(entry.value)) {
      problems.push({
        field: `conditions.userIdentifier.patterns.${index}.value`,
        message: 'The EXPRESSION is not a valid regular expression.',
      });
    }
  });
  const network = rule.conditions.network;
  if (network.connection === 'ZONE' && !network.include?.length && !network.exclude?.length) {
    problems.push({ field: 'conditions.network', message: 'A ZONE connection needs zone ids in include or exclude.' });
  }
  const action = rule.actions.idp;
  if (action.idpSelectionType === 'DYNAMIC') {
    if (!action.matchCriteria?.length)
      problems.push({ field: 'actions.idp.matchCriteria', message: 'DYNAMIC selection needs matchCriteria.' });
    if (action.providers.length > 0)
      problems.push({ field: 'actions.idp.providers', message: 'DYNAMIC selection takes no providers.' });
    return problems;
  }
  if (action.providers.length === 0)
    problems.push({ field: 'actions.idp.providers', message: 'At least one provider is required.' });
  action.providers.forEach((provider, index) => {
    const field = `actions.idp.providers.${index}`;
    if (PROVIDERS_WITHOUT_ID.has(provider.type)) return;
    if (!(IDENTITY_PROVIDER_TYPES as readonly string[]).includes(provider.type)) {
      problems.push({ field: `${field}.type`, message: `Unknown provider type ${provider.type}.` });
      return;
    }
    if (!provider.id) {
      problems.push({
        field: `${field}.id`,
        message: `A provider of type ${provider.type} needs the id of an identity provider.`,
      });
      return;
    }
    const idp = idps.find((candidate) => candidate.id === provider.id);
    if (!idp) problems.push({ field: `${field}.id`, message: `The identity provider ${provider.id} does not exist.` });
    else if (idp.body.type !== provider.type) {
      problems.push({
        field: `${field}.type`,
        message: `The identity provider ${provider.id} is of type ${String(idp.body.type)}, not ${provider.type}.`,
      });
    }
  });
  return problems;
}
