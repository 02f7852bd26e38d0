/**
 * IdP-discovery evaluation, as Okta does it when a person types an identifier: active rules in
 * priority order, the first whose conditions hold decides. IDENTIFIER patterns test what was
 * typed; ATTRIBUTE patterns test a profile attribute of the Okta user with that login. Network
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

/** Whether one rule's conditions hold for `identifier`; `unknowable` says why it could not (zones, no Okta user). */
function conditionsHold(rule: RuleRecord, identifier: string, user: UserRecord | undefined): { holds: boolean; unknowable?: 'zone' | 'no-user' } {
  const conditions = rule.conditions as RuleBody['conditions'];
  if (conditions.network?.connection === 'ZONE') return { holds: false, unknowable: 'zone' };
  const userIdentifier = conditions.userIdentifier;
  const patterns = userIdentifier?.patterns ?? [];
  if (!userIdentifier || patterns.length === 0) return { holds: true };
  if (userIdentifier.type === 'IDENTIFIER') return { holds: patterns.some((pattern) => patternMatches(pattern, identifier)) };
  if (!user) return { holds: false, unknowable: 'no-user' };
  const value = user.profile[userIdentifier.attribute ?? ''];
  return { holds: typeof value === 'string' && patterns.some((pattern) => patternMatches(pattern, value)) };
}

/** The rule that decides for `identifier` (the default rule when no other does). */
export function evaluateRouting(state: OktaState, identifier: string): RoutingOutcome {
  const folded = identifier.toLowerCase();
  const user = state.users.find((candidate) => String(candidate.profile.login).toLowerCase() === folded);
  const notes: string[] = [];
  let attributeRulesSkipped = false;
  for (const { rule, priority } of rulesInOrder(state)) {
    const { holds, unknowable } = conditionsHold(rule, identifier, user);
    if (rule.status !== 'ACTIVE') {
      if (holds) notes.push(`rule "${rule.name}" (priority ${priority}) would match but is INACTIVE`);
      continue;
    }
    if (unknowable === 'zone') notes.push(`rule "${rule.name}" needs a network zone, which the simulator does not model, so it never matches`);
    if (unknowable === 'no-user') attributeRulesSkipped = true;
    if (holds) {
      if (attributeRulesSkipped) notes.push(`rules on a profile attribute did not apply: no Okta user has the login ${identifier}`);
      return { rule, priority, notes };
    }
  }
  // Unreachable while the default rule stays active and unconditional; kept total for safety.
  return { rule: state.defaultRule, priority: state.rules.length + 1, notes };
}
