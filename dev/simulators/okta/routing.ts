/**
 * IdP-discovery evaluation, as Okta does it when a person types an identifier: active rules in
 * priority order, the first whose conditions hold decides. IDENTIFIER patterns test what was
 * typed; ATTRIBUTE patterns test a profile attribute of the Okta user with that login (no such
 * user, or the attribute unset, null or different: the rule does not match). Network
 * zones, platforms and apps are not simulated (a zone rule never matches; platform and app
 * conditions are ignored), and each such case is said in the notes.
 */
import type { RuleBody } from './rule-schema';
import type { OktaState, RuleRecord, UserRecord } from './state';
import { rulesInOrder } from './policies';

export interface RoutingOutcome {
  rule: RuleRecord;
  priority: number;
  /** Why earlier rules did not decide, when that is worth knowing (inactive, zone, no Okta user). */
  notes: string[];
  /** Earlier active ATTRIBUTE rules that did not match the user's profile, each saying why: worth saying when the person ends up not routed. */
  misses: string[];
}

type Pattern = { matchType: string; value: string };

function patternMatches(pattern: Pattern, value: string): boolean {
  const left = value.toLowerCase();
  const right = pattern.value.toLowerCase();
  switch (pattern.matchType) {
    case 'EQUALS':
      return left === right;
    case 'STARTS_WITH':
      return left.startsWith(right);
    case 'CONTAINS':
      return left.includes(right);
    case 'SUFFIX':
      return left.endsWith(right);
    case 'EXPRESSION':
      try {
        return new RegExp(`^(?:${pattern.value})$`).test(value);
      } catch {
        return false;
      }
    default:
      return false;
  }
}

/** A profile value as patterns compare it: strings, numbers and booleans as text; anything else cannot match. */
function comparable(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function describeValue(value: unknown): string {
  return value === undefined || value === null ? '(unset)' : JSON.stringify(value);
}

function describePatterns(patterns: Pattern[]): string {
  return patterns
    .map((pattern) => `${pattern.matchType === 'EQUALS' ? '=' : pattern.matchType} ${JSON.stringify(pattern.value)}`)
    .join(' or ');
}

interface Evaluation {
  holds: boolean;
  /** Why it could not be known (zones, no Okta user). */
  unknowable?: 'zone' | 'no-user';
  /** An ATTRIBUTE rule that did not match the user's profile: what it wanted and what the user has. */
  miss?: string;
}

/** Whether one rule's conditions hold for `identifier` (and `user`, the Okta user with that login). */
function conditionsHold(rule: RuleRecord, identifier: string, user: UserRecord | undefined): Evaluation {
  const conditions = rule.conditions as RuleBody['conditions'];
  if (conditions.network?.connection === 'ZONE') return { holds: false, unknowable: 'zone' };
  const userIdentifier = conditions.userIdentifier;
  const patterns = userIdentifier?.patterns ?? [];
  if (!userIdentifier || patterns.length === 0) return { holds: true };
  if (userIdentifier.type === 'IDENTIFIER')
    return { holds: patterns.some((pattern) => patternMatches(pattern, identifier)) };
  if (!user) return { holds: false, unknowable: 'no-user' };
  const attribute = userIdentifier.attribute ?? '';
  const value = user.profile[attribute];
  const text = comparable(value);
  if (text !== undefined && patterns.some((pattern) => patternMatches(pattern, text))) return { holds: true };
  return {
    holds: false,
    miss: `rule "${rule.name}" matches on profile attribute ${attribute} ${describePatterns(patterns)}; user ${String(user.profile.login)} has ${describeValue(value)}`,
  };
}

/** The rule that decides for `identifier` (the default rule when no other does). */
export function evaluateRouting(state: OktaState, identifier: string): RoutingOutcome {
  // ATTRIBUTE rules look the person up by the exact login typed (case-insensitive), never by shortname.
  const folded = identifier.toLowerCase();
  const user = state.users.find((candidate) => String(candidate.profile.login).toLowerCase() === folded);
  const notes: string[] = [];
  const misses: string[] = [];
  let attributeRulesSkipped = false;
  for (const { rule, priority } of rulesInOrder(state)) {
    const { holds, unknowable, miss } = conditionsHold(rule, identifier, user);
    if (rule.status !== 'ACTIVE') {
      if (holds) notes.push(`rule "${rule.name}" (priority ${priority}) would match but is INACTIVE`);
      continue;
    }
    if (unknowable === 'zone')
      notes.push(`rule "${rule.name}" needs a network zone, which the simulator does not model, so it never matches`);
    if (unknowable === 'no-user') attributeRulesSkipped = true;
    if (miss) misses.push(miss);
    if (holds) {
      if (attributeRulesSkipped)
        notes.push(`rules on a profile attribute did not apply: no Okta user has the login ${identifier}`);
      return { rule, priority, notes, misses };
    }
  }
  // Unreachable while the default rule stays active and unconditional; kept total for safety.
  return { rule: state.defaultRule, priority: state.rules.length + 1, notes, misses };
}
