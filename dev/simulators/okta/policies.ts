/**
 * The org's single system IDP_DISCOVERY policy and its rules (docs/contracts/okta.md §3). Rules are kept in
 * priority order: priority 1 is evaluated first, the system "Default Rule" (routing to Okta) is
 * always last, inserting at a taken priority pushes later rules down, deleting closes the gap,
 * and a priority beyond the end lands just before the default rule. Rule lifecycle answers 204.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { queryBoolean, queryOf, rawSegment, type OktaContext } from './context';
import { notFound, validationFailed } from './errors';
import { newRuleId } from './ids';
import { setLinkHeaders } from './links';
import { ruleBodySchema, ruleConsistencyProblems, type RuleBody } from './rule-schema';
import { profileProperties } from './schema';
import { nowIso, type OktaState, type RuleRecord } from './state';
import { parseBody, withoutNulls } from './validation';

const POLICY_TYPES = [
  'ACCESS_POLICY',
  'ENTITY_RISK',
  'IDP_DISCOVERY',
  'MFA_ENROLL',
  'OKTA_SIGN_ON',
  'PASSWORD',
  'POST_AUTH_SESSION',
  'PROFILE_ENROLLMENT',
  'DEVICE_SIGNAL_COLLECTION',
  'SESSION_VIOLATION_DETECTION',
  'CLIENT_UPDATE',
  'IDENTITY_CLAIM_SOURCING',
] as const;

/** Every rule in evaluation order, each with its priority (1-based), the default rule last. */
export function rulesInOrder(state: OktaState): { rule: RuleRecord; priority: number }[] {
  return [...state.rules, state.defaultRule].map((rule, index) => ({ rule, priority: index + 1 }));
}

function renderPolicy(state: OktaState, orgUrl: string): Record<string, unknown> {
  const self = `${orgUrl}/api/v1/policies/${state.policy.id}`;
  return {
    id: state.policy.id,
    type: 'IDP_DISCOVERY',
    name: state.policy.name,
    status: 'ACTIVE',
    priority: 1,
    system: true,
    created: state.policy.created,
    lastUpdated: state.policy.lastUpdated,
    conditions: null,
    _links: {
      self: { href: self, hints: { allow: ['GET', 'PUT'] } },
      rules: { href: `${self}/rules`, hints: { allow: ['POST', 'GET'] } },
    },
  };
}

function renderRule(rule: RuleRecord, priority: number, policyId: string, orgUrl: string): Record<string, unknown> {
  const self = `${orgUrl}/api/v1/policies/${policyId}/rules/${rule.id}`;
  const links: Record<string, unknown> = {
    self: { href: self, hints: { allow: rule.system ? ['GET', 'PUT'] : ['GET', 'PUT', 'DELETE'] } },
  };
  if (!rule.system) {
    const lifecycle = rule.status === 'ACTIVE' ? 'deactivate' : 'activate';
    links[lifecycle] = { href: `${self}/lifecycle/${lifecycle}`, hints: { allow: ['POST'] } };
  }
  return {
    id: rule.id,
    type: 'IDP_DISCOVERY',
    name: rule.name,
    status: rule.status,
    priority,
    system: rule.system,
    created: rule.created,
    lastUpdated: rule.lastUpdated,
    conditions: withoutNulls(rule.conditions),
    actions: withoutNulls(rule.actions),
    _links: links,
  };
}

/** The index a rule takes for a requested priority: clamped to the user rules, so never after the default rule. */
function indexFor(priority: number | null | undefined, userRuleCount: number): number {
  if (priority === undefined || priority === null) return userRuleCount;
  return Math.min(Math.max(priority - 1, 0), userRuleCount);
}

function defaultRuleIsReadOnly(what: string): ReturnType<typeof validationFailed> {
  return validationFailed([
    { field: 'rule', message: `The default rule of the IdP discovery policy is read-only: it cannot be ${what}.` },
  ]);
}

export function registerPolicyRoutes(app: FastifyInstance, context: OktaContext): void {
  const { store } = context;
  const state = () => store.state;

  function checkPolicy(request: FastifyRequest): string {
    const { decoded, raw } = rawSegment(request, 3);
    if (decoded !== state().policy.id) throw notFound(decoded ?? raw, 'Policy');
    return state().policy.id;
  }

  function ruleFromPath(request: FastifyRequest): RuleRecord {
    const policyId = checkPolicy(request);
    const { decoded, raw } = rawSegment(request, 5);
    const rule = [...state().rules, state().defaultRule].find((candidate) => candidate.id === decoded);
    if (!rule) throw notFound(`${decoded ?? raw} in policy ${policyId}`, 'PolicyRule');
    return rule;
  }

  function validated(body: unknown, self?: RuleRecord): RuleBody {
    const rule = parseBody(ruleBodySchema, body);
    const problems = ruleConsistencyProblems(rule, state().idps, new Set(Object.keys(profileProperties(state()))));
    const folded = rule.name.toLowerCase();
    if (
      [...state().rules, state().defaultRule].some((other) => other !== self && other.name.toLowerCase() === folded)
    ) {
      problems.unshift({ field: 'name', message: context.duplicateRuleNameCause });
    }
    if (problems.length > 0) throw validationFailed(problems);
    return rule;
  }

  function render(rule: RuleRecord): Record<string, unknown> {
    const entry = rulesInOrder(state()).find((candidate) => candidate.rule === rule);
    return renderRule(rule, entry?.priority ?? 0, state().policy.id, context.orgUrl());
  }

  app.get('/api/v1/policies', async (request, reply) => {
    const query = queryOf(request);
    if (query.type === undefined || query.type === '')
      throw validationFailed([{ field: 'type', message: 'The type query parameter is required.' }]);
    if (!(POLICY_TYPES as readonly string[]).includes(query.type))
      throw validationFailed([{ field: 'type', message: `Must be one of ${POLICY_TYPES.join(', ')}.` }]);
    setLinkHeaders(reply, context.orgUrl(), request);
    // Only the IdP discovery policy is simulated; other types list as empty.
    if (query.type !== 'IDP_DISCOVERY') return [];
    const policy = renderPolicy(state(), context.orgUrl());
    const statusMatches = query.status === undefined || query.status === 'ACTIVE';
    const nameMatches = query.q === undefined || String(policy.name).toLowerCase().startsWith(query.q.toLowerCase());
    return statusMatches && nameMatches ? [policy] : [];
  });

  app.get('/api/v1/policies/:policyId', async (request) => {
    checkPolicy(request);
    return renderPolicy(state(), context.orgUrl());
  });

  app.get('/api/v1/policies/:policyId/rules', async (request, reply) => {
    const policyId = checkPolicy(request);
    setLinkHeaders(reply, context.orgUrl(), request);
    return rulesInOrder(state()).map(({ rule, priority }) => renderRule(rule, priority, policyId, context.orgUrl()));
  });

  app.post('/api/v1/policies/:policyId/rules', async (request) => {
    checkPolicy(request);
    const body = validated(request.body);
    const now = nowIso();
    const rule: RuleRecord = {
      id: newRuleId(),
      name: body.name,
      // The `activate` query sets the status; a status in the body is ignored (docs/contracts/okta.md §3.3).
      status: queryBoolean(queryOf(request).activate, true) ? 'ACTIVE' : 'INACTIVE',
      system: false,
      created: now,
      lastUpdated: now,
      conditions: body.conditions,
      actions: body.actions,
    };
    state().rules.splice(indexFor(body.priority, state().rules.length), 0, rule);
    store.changed();
    return render(rule);
  });

  app.get('/api/v1/policies/:policyId/rules/:ruleId', async (request) => render(ruleFromPath(request)));

  app.put('/api/v1/policies/:policyId/rules/:ruleId', async (request) => {
    const rule = ruleFromPath(request);
    if (rule.system) throw defaultRuleIsReadOnly('changed');
    const body = validated(request.body, rule);
    Object.assign(rule, { name: body.name, conditions: body.conditions, actions: body.actions, lastUpdated: nowIso() });
    if (body.priority !== undefined && body.priority !== null) {
      const others = state().rules.filter((other) => other !== rule);
      others.splice(indexFor(body.priority, others.length), 0, rule);
      state().rules = others;
    }
    store.changed();
    return render(rule);
  });

  for (const [action, status] of [
    ['activate', 'ACTIVE'],
    ['deactivate', 'INACTIVE'],
  ] as const) {
    app.post(`/api/v1/policies/:policyId/rules/:ruleId/lifecycle/${action}`, async (request, reply: FastifyReply) => {
      const rule = ruleFromPath(request);
      if (rule.system && status === 'INACTIVE') throw defaultRuleIsReadOnly('deactivated');
      if (rule.status !== status) {
        rule.status = status;
        rule.lastUpdated = nowIso();
        store.changed();
      }
      return reply.code(204).send();
    });
  }

  app.delete('/api/v1/policies/:policyId/rules/:ruleId', async (request, reply) => {
    const rule = ruleFromPath(request);
    if (rule.system) throw defaultRuleIsReadOnly('deleted');
    state().rules = state().rules.filter((other) => other !== rule);
    store.changed();
    return reply.code(204).send();
  });
}
