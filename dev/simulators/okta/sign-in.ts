/**
 * `POST /_sim/sign-in {"email"}`: what Okta does when that person signs in through federation,
 * step by step, against the IdP's configured endpoints (the Beyond Identity simulator):
 * route → idp → authorize → token → id_token → username → user. The answer is
 * `{ok, steps:[{name, ok, detail}], reason}`; `reason` names the first failed step and why.
 * The Beyond Identity simulator picks the person from `login_hint` (its documented test
 * affordance), so no browser is involved. No detail ever contains the client secret.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { OktaContext } from './context';
import type { IdpBody } from './idp-schema';
import { TokenRejected, verifyRs256 } from './id-token';
import { CALLBACK_PATH, idpRedirectUri } from './idps';
import type { LoopbackHttp, OutboundResponse } from './outbound';
import { evaluateRouting } from './routing';
import type { RuleBody } from './rule-schema';
import { nowIso, type IdpRecord, type UserRecord } from './state';

interface SignInStep {
  name: string;
  ok: boolean;
  detail: string;
}
export interface SignInResult {
  ok: boolean;
  steps: SignInStep[];
  /** On failure: "<step>: <why>"; null on success. */
  reason: string | null;
}

class StepFailed extends Error {}
const fail = (detail: string): never => {
  throw new StepFailed(detail);
};

const signInBody = z.object({
  email: z.string().trim().min(3).max(320),
  /** The domain the sign-in starts on (what a DYNAMIC issuer mode follows); default the org's. */
  domain: z.enum(['org', 'custom']).default('org'),
});

/** A short, single-line excerpt of a response body for a step detail. */
function excerpt(text: string): string {
  // An HTML error page: its head (styles, scripts) is not the message.
  const body = text.replace(/<(style|script|head)[^>]*>[\s\S]*?<\/\1>/gi, ' ');
  const flat = body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty body)';
}

/** `error: error_description` from an OAuth error JSON body, or an excerpt of whatever came back. */
function oauthError(response: OutboundResponse): string {
  try {
    const body = JSON.parse(response.text) as { error?: unknown; error_description?: unknown };
    if (typeof body.error === 'string')
      return typeof body.error_description === 'string' ? `${body.error}: ${body.error_description}` : body.error;
  } catch {
    // not JSON; fall through to the excerpt
  }
  return excerpt(response.text);
}

/** The profile-attribute rules that did not match, for a route failure: the first few (an org may have one rule per person). */
const MISSES_SHOWN = 3;
function missesText(misses: string[]): string {
  if (misses.length === 0) return '';
  const more =
    misses.length > MISSES_SHOWN
      ? `; and ${misses.length - MISSES_SHOWN} more rules on profile attributes did not match`
      : '';
  return `; ${misses.slice(0, MISSES_SHOWN).join('; ')}${more}`;
}

function randomValue(): string {
  return randomBytes(16).toString('base64url');
}

/** The IdP username per `policy.subject.userNameTemplate` (docs/contracts/okta.md §2.2): `idpuser.<attribute>` only. */
function username(template: string, claims: Record<string, unknown>): string {
  const match = /^\s*idpuser\.([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(template);
  if (!match) {
    return fail(
      `the username template "${template}" is not supported by the simulator: it evaluates only idpuser.<attribute> (externalId and subjectNameId = the token's sub, email, or any claim of the id_token by name)`,
    );
  }
  const attribute = match[1]!;
  const claim = attribute === 'externalId' || attribute === 'subjectNameId' ? 'sub' : attribute;
  const value = claims[claim];
  if (typeof value !== 'string' || value === '') {
    return fail(
      `the username template "${template}" needs the id_token claim "${claim}", which it does not have (its claims: ${Object.keys(claims).sort().join(', ')})`,
    );
  }
  return value;
}

export function registerSignIn(app: FastifyInstance, context: OktaContext, http: LoopbackHttp): void {
  app.post('/_sim/sign-in', async (request, reply) => {
    const parsed = signInBody.safeParse(request.body ?? {});
    if (!parsed.success)
      return reply.code(400).send({
        error: 'expected a JSON body {"email": "<the identifier the person types>", "domain"?: "org" | "custom"}',
      });
    return signIn(parsed.data.email, context, http, parsed.data.domain);
  });
}

async function signIn(
  email: string,
  context: OktaContext,
  http: LoopbackHttp,
  startedOn: 'org' | 'custom' = 'org',
): Promise<SignInResult> {
  const state = context.store.state;
  const steps: SignInStep[] = [];
  let secret: string | undefined;
  const scrub = (text: string) => (secret ? text.split(secret).join('[client secret]') : text);

  async function step<T>(
    name: string,
    run: () => Promise<{ value: T; detail: string }> | { value: T; detail: string },
  ): Promise<T> {
    try {
      const { value, detail } = await run();
      steps.push({ name, ok: true, detail: scrub(detail) });
      return value;
    } catch (error) {
      const detail = error instanceof StepFailed ? error.message : `unexpected error: ${(error as Error).message}`;
      steps.push({ name, ok: false, detail: scrub(detail) });
      throw new StepFailed(`${name}: ${scrub(detail)}`);
    }
  }

  let redirectUri = `${context.orgUrl()}${CALLBACK_PATH}`;
  try {
    const idpId = await step('route', () => {
      const outcome = evaluateRouting(state, email);
      const notes = outcome.notes.length > 0 ? ` (${outcome.notes.join('; ')})` : '';
      const why = `${notes}${missesText(outcome.misses)}`;
      if (outcome.rule.system)
        fail(`no routing rule matches ${email}: the "${outcome.rule.name}" routes them to Okta, not to an IdP${why}`);
      const providers = (outcome.rule.actions as RuleBody['actions']).idp.providers;
      const provider = providers.find((candidate) => candidate.id !== undefined);
      if (!provider?.id)
        fail(
          `rule "${outcome.rule.name}" (priority ${outcome.priority}) matches ${email} and routes to ${providers.map((p) => p.type).join(', ') || 'no provider'}, not to an IdP${why}`,
        );
      return {
        value: provider!.id!,
        detail: `rule "${outcome.rule.name}" (priority ${outcome.priority}) matches ${email} and routes to IdP ${provider!.id}${notes}`,
      };
    });

    const idp = await step('idp', () => {
      const record: IdpRecord | undefined = state.idps.find((candidate) => candidate.id === idpId);
      if (!record) return fail(`the routing rule names IdP ${idpId}, which does not exist`);
      const body = record.body as IdpBody;
      const label = `IdP "${body.name}" (${record.id})`;
      if (record.status !== 'ACTIVE')
        fail(`${label} is ${record.status}; activate it (POST /api/v1/idps/${record.id}/lifecycle/activate)`);
      if (body.type !== 'OIDC' || body.protocol.type !== 'OIDC') fail(`${label} is of type ${body.type}, not OIDC`);
      if (!body.protocol.scopes.includes('openid'))
        fail(
          `${label} requests the scopes [${body.protocol.scopes.join(', ')}] without "openid", so the IdP issues no id_token and Okta cannot sign the person in`,
        );
      const method = body.protocol.credentials.client.token_endpoint_auth_method ?? 'client_secret_post';
      if (method === 'private_key_jwt')
        fail(`${label} authenticates with private_key_jwt, which the simulator does not implement`);
      if (!body.protocol.credentials.client.client_secret) fail(`${label} has no client_secret for ${method}`);
      secret = body.protocol.credentials.client.client_secret;
      redirectUri = idpRedirectUri(body, context.orgUrl(), context.customDomain, startedOn);
      const mode = `issuer mode ${body.issuerMode}${body.issuerMode === 'DYNAMIC' ? ` (signing in on the ${startedOn === 'custom' && context.customDomain ? 'custom' : "org's Okta"} domain)` : ''}: redirect URI ${redirectUri}`;
      return {
        value: body,
        detail: `${label} is ACTIVE, OIDC, scopes [${body.protocol.scopes.join(', ')}], client authentication ${method}; ${mode}`,
      };
    });

    const client = idp.protocol.credentials.client;
    const stateValue = randomValue();
    const nonce = randomValue();
    const code = await step('authorize', async () => {
      const url = new URL(idp.protocol.endpoints.authorization.url);
      const parameters = {
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: redirectUri,
        scope: idp.protocol.scopes.join(' '),
        state: stateValue,
        nonce,
        login_hint: email,
      };
      for (const [key, value] of Object.entries(parameters)) url.searchParams.set(key, value);
      const response = await callOrFail(http, url.toString(), { method: 'GET' });
      const location = typeof response.headers.location === 'string' ? response.headers.location : undefined;
      if ((response.status !== 302 && response.status !== 303) || !location)
        fail(`GET ${url.origin}${url.pathname} answered ${response.status}, not a redirect: ${oauthError(response)}`);
      const target = new URL(location!, url);
      const error = target.searchParams.get('error');
      if (error)
        fail(
          `the IdP refused the authorization request: ${error}${target.searchParams.get('error_description') ? `: ${target.searchParams.get('error_description')}` : ''}`,
        );
      if (`${target.origin}${target.pathname}` !== redirectUri)
        fail(`the IdP redirected to ${target.origin}${target.pathname}, not to Okta's ${redirectUri}`);
      if (target.searchParams.get('state') !== stateValue)
        fail('the redirect back to Okta does not carry the state Okta sent');
      const issued = target.searchParams.get('code');
      if (!issued) fail('the redirect back to Okta carries no authorization code');
      return {
        value: issued!,
        detail: `the IdP redirected to ${redirectUri} with an authorization code and the same state`,
      };
    });

    const idToken = await step('token', async () => {
      const method = client.token_endpoint_auth_method ?? 'client_secret_post';
      const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
      const headers: Record<string, string> = {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      };
      if (method === 'client_secret_basic') {
        // RFC 6749 §2.3.1: both parts form-encoded before base64.
        const pair = `${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret ?? '')}`;
        headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
      } else {
        form.set('client_id', client.client_id);
        form.set('client_secret', client.client_secret ?? '');
      }
      const url = idp.protocol.endpoints.token.url;
      const response = await callOrFail(http, url, { method: 'POST', headers, body: form.toString() });
      if (response.status !== 200) fail(`POST ${url} (${method}) answered ${response.status}: ${oauthError(response)}`);
      let token: unknown;
      try {
        token = (JSON.parse(response.text) as { id_token?: unknown }).id_token;
      } catch {
        fail(`POST ${url} answered 200 with a body that is not JSON: ${excerpt(response.text)}`);
      }
      if (typeof token !== 'string') fail(`POST ${url} answered 200 without an id_token`);
      return { value: token as string, detail: `the token endpoint (${method}) exchanged the code for an id_token` };
    });

    const claims = await step('id_token', async () => {
      const jwksUrl = idp.protocol.endpoints.jwks.url;
      const response = await callOrFail(http, jwksUrl, { method: 'GET', headers: { accept: 'application/json' } });
      if (response.status !== 200) fail(`GET ${jwksUrl} answered ${response.status}: ${excerpt(response.text)}`);
      let jwks: unknown;
      try {
        jwks = JSON.parse(response.text);
      } catch {
        fail(`GET ${jwksUrl} answered 200 with a body that is not JSON: ${excerpt(response.text)}`);
      }
      let payload: Record<string, unknown>;
      try {
        payload = verifyRs256(
          idToken,
          jwks,
          jwksUrl,
          Math.floor(Date.now() / 1000),
          Math.round(idp.policy.maxClockSkew / 1000),
        );
      } catch (error) {
        return fail(
          error instanceof TokenRejected ? error.message : `the id_token is not valid: ${(error as Error).message}`,
        );
      }
      const issuer = idp.protocol.issuer.url;
      if (payload.iss !== issuer)
        fail(`the id_token's iss is "${String(payload.iss)}", but the IdP's issuer is configured as "${issuer}"`);
      const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!audiences.includes(client.client_id))
        fail(`the id_token's aud is ${JSON.stringify(payload.aud)}, not the IdP's client_id "${client.client_id}"`);
      if (typeof payload.exp !== 'number') fail('the id_token has no exp claim');
      if (payload.nonce !== nonce) fail('the id_token does not carry the nonce Okta sent');
      return {
        value: payload,
        detail: `RS256 signature verified with ${jwksUrl}; iss, aud, exp and nonce are right; sub "${String(payload.sub)}"`,
      };
    });

    const name = await step('username', () => {
      const template = idp.policy.subject.userNameTemplate.template;
      const value = username(template, claims);
      return { value, detail: `"${template}" gives the username "${value}"` };
    });

    await step('user', () => {
      const user = matchUser(state.users, idp, name, email);
      const now = nowIso();
      user.lastLogin = now;
      context.store.changed();
      return { value: user, detail: `Okta user ${String(user.profile.login)} (${user.id}) is ACTIVE and signed in` };
    });
    return { ok: true, steps, reason: null };
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error;
    return { ok: false, steps, reason: error.message };
  }
}

async function callOrFail(
  http: LoopbackHttp,
  url: string,
  init: Parameters<LoopbackHttp['call']>[1],
): Promise<OutboundResponse> {
  try {
    return await http.call(url, init);
  } catch (error) {
    return fail((error as Error).message);
  }
}

/** The Okta user the IdP username links to, per `policy.subject.matchType`; fails with why none can sign in. */
function matchUser(users: UserRecord[], idp: IdpBody, name: string, typed: string): UserRecord {
  const subject = idp.policy.subject;
  const folded = name.toLowerCase();
  const equal = (value: unknown) => typeof value === 'string' && value.toLowerCase() === folded;
  const predicates: Record<string, { test: (user: UserRecord) => boolean; what: string }> = {
    USERNAME: { test: (user) => equal(user.profile.login), what: 'login' },
    EMAIL: { test: (user) => equal(user.profile.email), what: 'email' },
    USERNAME_OR_EMAIL: {
      test: (user) => equal(user.profile.login) || equal(user.profile.email),
      what: 'login or email',
    },
    CUSTOM_ATTRIBUTE: {
      test: (user) => equal(user.profile[subject.matchAttribute ?? '']),
      what: `profile attribute "${subject.matchAttribute ?? ''}"`,
    },
  };
  const { test, what } = predicates[subject.matchType] ?? predicates.USERNAME!;
  const user = users.find(test);
  if (!user) {
    const typedFolded = typed.toLowerCase();
    const person = users.find(
      (candidate) =>
        String(candidate.profile.login).toLowerCase() === typedFolded ||
        String(candidate.profile.email ?? '').toLowerCase() === typedFolded,
    );
    const hint = person
      ? `; the person who typed ${typed} is Okta user ${String(person.profile.login)}, which does not match`
      : '';
    const jit =
      idp.policy.provisioning.action === 'AUTO'
        ? ' (with provisioning AUTO Okta would create a new user instead; the check does not)'
        : '';
    return fail(`no Okta user has the ${what} "${name}" (matchType ${subject.matchType})${hint}${jit}`);
  }
  const label = `Okta user ${String(user.profile.login)} (${user.id})`;
  if (idp.policy.accountLink.action !== 'AUTO')
    fail(
      `${label} matches, but the IdP's account linking is ${idp.policy.accountLink.action}, so Okta would not link the IdP account to it`,
    );
  if (user.status !== 'ACTIVE') {
    fail(
      `${label} matches but is ${user.status}, not ACTIVE; activate it (POST /api/v1/users/${user.id}/lifecycle/activate) or create it with activate=true and a FEDERATION provider`,
    );
  }
  return user;
}
