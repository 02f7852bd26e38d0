/**
 * `preflight`: read-only checks of the upstreams the worker is configured for, before anything is
 * written. Each check says what it saw and, when it fails, the fix. Nothing here creates,
 * changes or deletes; no secret is part of any answer (client errors are redacted already).
 */
import type { BeyondIdentityApi } from '../clients/beyond-identity/api';
import { RejectedUpstreamError, TransientUpstreamError } from '../clients/http/errors';
import type { OktaApi } from '../clients/okta/api';
import {
  missingScopes,
  REQUIRED_OKTA_SCOPES,
  SYNC_OKTA_SCOPES,
  type OktaCredentials,
} from '../clients/okta/credentials';
import { assignRoleHint, grantScopeHint, scopeToGrant } from '../clients/okta/refusal-hints';
import { describeProblems, routingPropertyFix, routingPropertyProblems } from '../clients/okta/routing-property';
import type { OktaUserSchema } from '../clients/okta/schemas';
import { errorMessage } from '../util/errors';
import type { OktaIssuerMode } from '../workflows/definitions';
import { heartbeatAndClassify } from './context';
import { targetMismatch } from './target';

export interface PreflightInput {
  biTenantId: string;
  oktaOrgUrl: string;
  realmName: string;
  idpName: string;
  routingRuleName: string;
  routingAttribute: string;
  issuerMode: OktaIssuerMode;
  customDomain?: string;
  /** The callbacks the Beyond Identity application will list. */
  redirectUris: string[];
  /** An Okta group sync is configured (or about to be): its scope is required and the System Log read. */
  sync?: boolean;
}

export const PREFLIGHT_CHECKS = [
  'worker target',
  'Beyond Identity token',
  'Beyond Identity realm',
  'Okta token',
  'Okta scopes',
  'Okta rate limits',
  'Okta IdP routing',
  'Okta domain and issuer mode',
  'Okta routing property',
] as const;
/** Run besides those when a sync is configured (`sync` runs them before it makes one). */
type SyncPreflightCheckName = 'Okta System Log';
type PreflightCheckName = (typeof PREFLIGHT_CHECKS)[number] | SyncPreflightCheckName;

export interface PreflightCheck {
  name: PreflightCheckName;
  ok: boolean;
  detail: string;
  fix?: string;
}

/** What the worker is configured with (no secrets): where it will go. */
export interface PreflightTarget {
  biTenantId: string;
  biManagementUrl: string;
  /** `us`, `eu`, `us-fedramp`, or undefined for explicit hosts. */
  biRegion?: string;
  oktaOrgUrl: string;
}

/** Okta's own domains; anything else (but loopback, the simulator) is a custom domain. */
const OKTA_DOMAINS = /\.(okta|oktapreview|okta-emea|okta-gov|okta-mil|trexcloud)\.com$/i;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

export function createPreflightActivities(biApi: BeyondIdentityApi, oktaApi: OktaApi, target: PreflightTarget) {
  return {
    preflight: heartbeatAndClassify(async (input: PreflightInput): Promise<PreflightCheck[]> => {
      const checks: PreflightCheck[] = [];
      const add = (check: PreflightCheck) => checks.push(check);

      const mismatch = targetMismatch(input, target);
      add(
        mismatch === undefined
          ? {
              name: 'worker target',
              ok: true,
              detail: `the worker is configured for tenant ${target.biTenantId} and ${target.oktaOrgUrl}, as the CLI is`,
            }
          : {
              name: 'worker target',
              ok: false,
              detail: `the worker is configured for ${mismatch}`,
              fix: 'start the worker with the same BI_TENANT_ID and OKTA_ORG_URL as the CLI',
            },
      );

      const where = target.biRegion
        ? `region ${target.biRegion} (${target.biManagementUrl})`
        : `${target.biManagementUrl} (explicit hosts)`;
      let realms: { id: string; display_name: string }[] | undefined;
      try {
        realms = await biApi.listRealms();
        add({
          name: 'Beyond Identity token',
          ok: true,
          detail: `the token reads tenant ${target.biTenantId} at ${where}`,
        });
      } catch (error) {
        add({
          name: 'Beyond Identity token',
          ok: false,
          detail: errorMessage(error),
          fix: biFix(error, target, where),
        });
      }
      if (realms) {
        const found = realms.filter((realm) => realm.display_name === input.realmName);
        add(
          found.length > 1
            ? {
                name: 'Beyond Identity realm',
                ok: false,
                detail: `${found.length} realms are named "${input.realmName}"`,
                fix: 'rename or delete all but one, or set BI_REALM_NAME to another name',
              }
            : {
                name: 'Beyond Identity realm',
                ok: true,
                detail: found[0]
                  ? `realm "${input.realmName}" exists (${found[0].id}): it will be adopted, never deleted`
                  : `realm "${input.realmName}" does not exist yet: it will be created`,
              },
        );
      } else {
        add({
          name: 'Beyond Identity realm',
          ok: false,
          detail: 'not checked: the token check failed',
          fix: 'fix the Beyond Identity token first',
        });
      }

      let oktaReadable = false;
      let schema: OktaUserSchema | undefined;
      try {
        schema = await oktaApi.getUserSchema();
        oktaReadable = true;
        const property = schema.definitions.custom?.properties?.[input.routingAttribute];
        add({
          name: 'Okta token',
          ok: true,
          detail: `the token reads ${target.oktaOrgUrl}; the profile property "${input.routingAttribute}" ${property ? 'exists (it will be adopted)' : 'will be added'}`,
        });
      } catch (error) {
        add({
          name: 'Okta token',
          ok: false,
          detail: errorMessage(error),
          fix: oktaFix(error, target.oktaOrgUrl, oktaApi.credentials),
        });
      }
      const scopes = await scopesCheck(
        oktaApi,
        target.oktaOrgUrl,
        input.sync ? [...REQUIRED_OKTA_SCOPES, ...SYNC_OKTA_SCOPES] : REQUIRED_OKTA_SCOPES,
      );
      add(scopes.check);
      if (input.sync)
        add(
          !oktaReadable
            ? notChecked('Okta System Log')
            : scopes.missing.some((scope) => (SYNC_OKTA_SCOPES as readonly string[]).includes(scope))
              ? {
                  name: 'Okta System Log',
                  ok: false,
                  detail: `not read: the service app lacks ${SYNC_OKTA_SCOPES.join(', ')} (Okta scopes)`,
                  fix: 'grant the scope (Okta scopes)',
                }
              : await systemLogCheck(oktaApi, target.oktaOrgUrl),
        );

      if (oktaReadable) {
        try {
          const figures = await oktaApi.usersRateLimit();
          const known = figures.limit !== undefined && figures.remaining !== undefined;
          add(
            known && figures.remaining === 0
              ? {
                  name: 'Okta rate limits',
                  ok: false,
                  detail: `users: 0 of ${figures.limit} left until ${figures.resetAt}`,
                  fix: "another client is using the org's budget up; wait until the reset, or find that client",
                }
              : {
                  name: 'Okta rate limits',
                  ok: true,
                  detail: known
                    ? `users (one create per person): ${figures.remaining} of ${figures.limit} left in this window (resets ${figures.resetAt})`
                    : 'the org sent no rate-limit headers',
                },
          );
        } catch (error) {
          add({
            name: 'Okta rate limits',
            ok: false,
            detail: errorMessage(error),
            fix: oktaFix(error, target.oktaOrgUrl, oktaApi.credentials),
          });
        }
        try {
          const policyId = await oktaApi.idpDiscoveryPolicyId();
          const rules = await oktaApi.listRules(policyId);
          const ours = rules.find((rule) => rule.name === input.routingRuleName);
          const idps = await oktaApi.listOidcIdps(input.idpName);
          const idp = idps.find((candidate) => candidate.name === input.idpName);
          add({
            name: 'Okta IdP routing',
            ok: true,
            detail:
              `IdP discovery policy ${policyId} is readable (${rules.length} rule${rules.length === 1 ? '' : 's'}); rule "${input.routingRuleName}" ${ours ? `exists (${ours.id})` : 'will be created'}; ` +
              `IdP "${input.idpName}" ${idp ? `exists (${idp.id})` : 'will be created'}. Whether the token may create rules is not checked (it would write)`,
          });
        } catch (error) {
          add({
            name: 'Okta IdP routing',
            ok: false,
            detail: errorMessage(error),
            fix:
              error instanceof RejectedUpstreamError &&
              (error.status === 403 || error.status === 404) &&
              !(oktaApi.credentials.kind === 'oauth' && error.upstreamCode === 'insufficient_scope')
                ? `the ${oktaApi.credentials.kind === 'oauth' ? 'service app' : 'token'} cannot read IdP routing: it needs an admin role that manages policies and identity providers (${oktaApi.credentials.kind === 'oauth' ? assignRoleHint(oktaApi.credentials.clientId) : 'Super Administrator or Org Administrator'}), and the org must have IdP routing rules (Security → Identity Providers → Routing rules); some orgs need Okta support to enable them`
                : oktaFix(error, target.oktaOrgUrl, oktaApi.credentials),
          });
        }
      } else {
        for (const name of ['Okta rate limits', 'Okta IdP routing'] as const)
          add({ name, ok: false, detail: 'not checked: the Okta token check failed', fix: 'fix the Okta token first' });
      }

      const host = new URL(target.oktaOrgUrl).host;
      const custom = !OKTA_DOMAINS.test(host) && !isLoopback(host.split(':')[0]!);
      const callbacks = input.redirectUris.join(', ');
      add(
        custom && input.issuerMode === 'ORG_URL'
          ? {
              name: 'Okta domain and issuer mode',
              ok: false,
              detail: `OKTA_ORG_URL ${target.oktaOrgUrl} is not an Okta domain (a custom domain?) and the issuer mode is ORG_URL: Okta would send its okta.com callback, which the application (${callbacks}) does not list`,
              fix: "set OKTA_ORG_URL to the org's Okta domain (https://<org>.okta.com) and OKTA_CUSTOM_DOMAIN to this one",
            }
          : {
              name: 'Okta domain and issuer mode',
              ok: true,
              detail: `${target.oktaOrgUrl}${input.customDomain ? `, custom domain ${input.customDomain}` : ''}; issuer mode ${input.issuerMode}; the application will list ${callbacks}`,
            },
      );
      add(routingPropertyCheck(schema, input.routingAttribute));
      return checks;
    }),
  };
}

/** The routing property as the schema shows it: absent (it will be added), safe to adopt, or the fix (docs/contracts/okta.md §11.3). */
function routingPropertyCheck(schema: OktaUserSchema | undefined, attribute: string): PreflightCheck {
  const name = 'Okta routing property';
  if (!schema)
    return { name, ok: false, detail: 'not checked: the Okta token check failed', fix: 'fix the Okta token first' };
  if (schema.definitions.base?.properties?.[attribute]) {
    return {
      name,
      ok: false,
      detail: `"${attribute}" is a base property of Okta's user profile: it cannot route`,
      fix: 'set OKTA_ROUTING_ATTRIBUTE to the name of a custom property',
    };
  }
  const property = schema.definitions.custom?.properties?.[attribute];
  if (!property) return { name, ok: true, detail: `"${attribute}" will be added, OKTA-mastered, read-only to people` };
  if (property.type !== 'string') {
    return {
      name,
      ok: false,
      detail: `"${attribute}" exists with type ${String(property.type)}, not string: it cannot route`,
      fix: 'set OKTA_ROUTING_ATTRIBUTE to another name, or delete that property in Okta',
    };
  }
  const problems = routingPropertyProblems(property);
  if (problems.length === 0)
    return {
      name,
      ok: true,
      detail: `"${attribute}" exists, OKTA-mastered and read-only to people: it will be adopted`,
    };
  return {
    name,
    ok: false,
    detail: `${describeProblems(attribute, problems)}; it would be adopted as it is, and nobody routed through it`,
    fix: routingPropertyFix(attribute, property),
  };
}

function biFix(error: unknown, target: PreflightTarget, where: string): string {
  if (error instanceof RejectedUpstreamError && (error.status === 401 || error.status === 403)) {
    return `Beyond Identity refused the credentials for tenant ${target.biTenantId}: set BI_API_TOKEN (or BI_CLIENT_ID, BI_CLIENT_SECRET, BI_TOKEN_URL) to credentials of that tenant with the management API's scopes`;
  }
  if (error instanceof RejectedUpstreamError && error.status === 404)
    return `tenant ${target.biTenantId} is not found at ${where}: check BI_TENANT_ID and BI_REGION`;
  if (error instanceof TransientUpstreamError)
    return `${where} cannot be reached now: check BI_REGION (or BI_MANAGEMENT_URL) and the network, then run preflight again`;
  return 'see the detail';
}

/**
 * Under OAuth: gets a token and names every scope the service needs that Okta did not grant (it
 * drops them silently, §8.1), before anything is written. An API token has its admin's permissions.
 */
/** A check that could not run because the Okta token check failed. */
function notChecked(name: PreflightCheckName): PreflightCheck {
  return { name, ok: false, detail: 'not checked: the Okta token check failed', fix: 'fix the Okta token first' };
}

/** A sync's fast path reads the System Log: one event of the last minute, read-only. */
async function systemLogCheck(oktaApi: OktaApi, orgUrl: string): Promise<PreflightCheck> {
  try {
    const { events } = await oktaApi.readLogPage({ since: new Date(Date.now() - 60_000).toISOString() }, { limit: 1 });
    return {
      name: 'Okta System Log',
      ok: true,
      detail: `readable (an Okta group sync polls it between full reconciles; ${events.length} event${events.length === 1 ? '' : 's'} in the last minute read)`,
    };
  } catch (error) {
    return {
      name: 'Okta System Log',
      ok: false,
      detail: errorMessage(error),
      fix:
        error instanceof RejectedUpstreamError && error.status === 403 && oktaApi.credentials.kind === 'api-token'
          ? "the token's admin cannot read the System Log: use a token of a Super, Org or Read-only Administrator"
          : oktaFix(error, orgUrl, oktaApi.credentials),
    };
  }
}

/** The scopes check, and the scopes it found missing (none when it could not tell). */
async function scopesCheck(
  oktaApi: OktaApi,
  orgUrl: string,
  required: readonly string[],
): Promise<{ check: PreflightCheck; missing: string[] }> {
  const credentials = oktaApi.credentials;
  if (credentials.kind !== 'oauth')
    return {
      missing: [],
      check: {
        name: 'Okta scopes',
        ok: true,
        detail: "an API token (SSWS) acts with its admin's permissions: OAuth scopes do not apply",
      },
    };
  try {
    // A new token: one issued before the operator granted a scope does not carry it.
    const granted = await oktaApi.grantedScopes(undefined, { fresh: true });
    if (granted === undefined)
      return {
        missing: [],
        check: {
          name: 'Okta scopes',
          ok: true,
          detail: `the service app ${credentials.clientId} got a token; Okta did not say which scopes it granted`,
        },
      };
    const missing = missingScopes(required, granted);
    const check: PreflightCheck =
      missing.length === 0
        ? {
            name: 'Okta scopes',
            ok: true,
            detail: `the service app ${credentials.clientId} got a token with ${granted.join(' ')}`,
          }
        : {
            name: 'Okta scopes',
            ok: false,
            detail: `the token of the service app ${credentials.clientId} lacks ${missing.join(', ')} (granted: ${granted.join(' ') || 'none'})`,
            fix: `${grantScopeHint(credentials.clientId, missing)}${missing.some((scope) => !credentials.scopes.includes(scope)) ? ', and keep them in OKTA_SCOPES' : ''}; then run preflight again`,
          };
    return { missing, check };
  } catch (error) {
    return {
      missing: [],
      check: { name: 'Okta scopes', ok: false, detail: errorMessage(error), fix: oktaFix(error, orgUrl, credentials) },
    };
  }
}

function oktaFix(error: unknown, orgUrl: string, credentials: OktaCredentials): string {
  if (credentials.kind === 'oauth') {
    const { clientId } = credentials;
    if (error instanceof RejectedUpstreamError && error.upstreamCode === 'insufficient_scope')
      return grantScopeHint(clientId, [scopeToGrant(error.upstreamMessage?.match(/okta\.[\w.]+/)?.[0])]);
    if (error instanceof RejectedUpstreamError && (error.status === 400 || error.status === 401)) {
      return `Okta refused the service app ${clientId} for ${orgUrl}: check OKTA_CLIENT_ID, the private key (OKTA_PRIVATE_KEY or OKTA_PRIVATE_KEY_FILE) and OKTA_KEY_ID against the app's public keys, and that the app is active`;
    }
    if (error instanceof RejectedUpstreamError && error.status === 403) return assignRoleHint(clientId);
  }
  if (error instanceof RejectedUpstreamError && error.status === 401)
    return `Okta refused OKTA_API_TOKEN for ${orgUrl}: create an API token in that org (Security → API → Tokens) and set OKTA_API_TOKEN`;
  if (error instanceof RejectedUpstreamError && error.status === 403)
    return "the token's admin role may not do this: use a token of a Super Administrator or Org Administrator";
  if (error instanceof TransientUpstreamError)
    return `${orgUrl} cannot be reached now: check OKTA_ORG_URL and the network, then run preflight again`;
  return 'see the detail';
}
