/**
 * Makes, or finds and completes, the worker's Okta OAuth service app (docs/contracts/okta.md §8, §9): one app
 * by exact label, a key pair whose private half stays in a local file, exactly the scopes the
 * worker needs granted, and its admin role. Idempotent: each step first reads what is there and
 * writes only what is missing, so a second run, or a run after a failed one, creates nothing
 * twice. Returns what it found and did; tells each step as it goes. Prints nothing itself.
 */
import type { OktaServiceApps } from '../clients/okta/service-apps';
import type { OktaApp } from '../clients/okta/service-app-schemas';
import { generateKey, readKeyFile, writeKeyFile, type KeyType, type LocalKey } from './service-app-key';
import { CliError, EXIT } from './session';

export interface ServiceAppRequest {
  /** The app's label, matched exactly. */
  name: string;
  /** Absolute path of the private key file. */
  keyFile: string;
  /** For a new key only; an existing key file keeps its own type. */
  keyType: KeyType;
  dpop: boolean;
  scopes: string[];
  role: string;
}

/** What each step found or did, as it happens. */
export type ServiceAppProgress =
  | { step: 'app'; outcome: 'found' | 'created'; label: string; clientId: string }
  | { step: 'key'; outcome: 'reused' | 'written' | 'added-to-app'; kid: string; file: string }
  | { step: 'scope'; outcome: 'granted' | 'already-granted'; scope: string }
  | { step: 'role'; outcome: 'assigned' | 'already-assigned'; role: string }
  | { step: 'warning'; message: string };

/** The worker's Okta settings (names as src/config.ts reads them). */
interface WorkerOktaSettings {
  OKTA_ORG_URL: string;
  OKTA_CLIENT_ID: string;
  OKTA_PRIVATE_KEY_FILE: string;
  OKTA_KEY_ID: string;
  OKTA_SCOPES: string;
}

export interface ServiceAppResult {
  orgUrl: string;
  app: { id: string; clientId: string; label: string; created: boolean; dpop: boolean };
  key: { kid: string; alg: string; file: string; written: boolean; addedToApp: boolean };
  scopes: { granted: string[]; alreadyGranted: string[]; extra: string[] };
  role: { type: string; assigned: boolean; others: string[] };
  settings: WorkerOktaSettings;
  /** Variables the worker must no longer have: it takes an API token or a service app, not both. */
  removeFromWorker: ['OKTA_API_TOKEN'];
  warnings: string[];
}

export async function ensureServiceApp(
  api: OktaServiceApps,
  request: ServiceAppRequest,
  progress: (event: ServiceAppProgress) => void,
): Promise<ServiceAppResult> {
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    progress({ step: 'warning', message });
  };
  const existingKey = await readKeyFile(request.keyFile);
  if (existingKey?.looseMode)
    warn(
      `${request.keyFile} is readable by others than its owner (mode ${existingKey.looseMode}): \`chmod 600 ${request.keyFile}\`.`,
    );

  // One key, made only when no file holds one: written before Okta learns of it, so a run that
  // fails after this finds and reuses it instead of leaving an app with a key nobody has.
  let written = false;
  const localKey = async (): Promise<LocalKey> => {
    if (existingKey) return existingKey;
    const { key, pem } = await generateKey(request.keyType);
    await writeKeyFile(request.keyFile, pem);
    written = true;
    progress({ step: 'key', outcome: 'written', kid: key.kid, file: request.keyFile });
    return key;
  };

  let app = await findServiceApp(api, request.name);
  let key: LocalKey;
  let addedToApp = false;
  const created = !app;
  if (!app) {
    key = await localKey();
    app = await api.createServiceApp({ label: request.name, key: key.jwk, dpop: request.dpop });
    progress({ step: 'app', outcome: 'created', label: app.label, clientId: clientIdOf(app) });
  } else {
    progress({ step: 'app', outcome: 'found', label: app.label, clientId: clientIdOf(app) });
    const keys = await api.listKeys(app.id);
    const registered = existingKey && keys.find((candidate) => candidate.kid === existingKey.kid);
    if (registered && registered.status && registered.status !== 'ACTIVE') {
      throw new CliError(
        `The key ${existingKey.kid} in ${request.keyFile} is ${registered.status} on app "${request.name}". Activate it in the Admin Console ` +
          '(Applications → the app → General → Public Keys), or move the key file away to have a new key made and added.',
        EXIT.failed,
      );
    }
    key = await localKey();
    if (registered) {
      progress({ step: 'key', outcome: 'reused', kid: key.kid, file: request.keyFile });
    } else {
      // The app has no key we hold (a first run that stopped early, or a key file moved away): add ours; never a second app.
      await api.addKey(app.id, key.jwk);
      addedToApp = true;
      progress({ step: 'key', outcome: 'added-to-app', kid: key.kid, file: request.keyFile });
    }
  }
  const clientId = clientIdOf(app);
  const dpop = app.settings?.oauthClient?.dpop_bound_access_tokens ?? false;
  if (dpop !== request.dpop) {
    warn(
      `App "${request.name}" ${dpop ? 'requires' : 'does not require'} DPoP, unlike what was asked (${request.dpop ? 'DPoP' : '--no-dpop'}); it is left so. ` +
        'Change it in the Admin Console (Applications → the app → General → Client Credentials → Require Demonstrating Proof of Possession).',
    );
  }

  const scopes = await ensureScopes(api, app.id, request.scopes, progress);
  if (scopes.extra.length > 0)
    warn(
      `App "${request.name}" also has scopes the worker does not use: ${scopes.extra.join(', ')}. They are left granted; revoke them in the Admin Console (Okta API Scopes).`,
    );

  const roles = await api.listClientRoles(clientId);
  const hasRole = roles.some((role) => role.type === request.role && (role.status ?? 'ACTIVE') === 'ACTIVE');
  if (hasRole) {
    progress({ step: 'role', outcome: 'already-assigned', role: request.role });
  } else {
    await api.assignClientRole(clientId, request.role);
    progress({ step: 'role', outcome: 'assigned', role: request.role });
  }
  const others = [...new Set(roles.map((role) => role.type).filter((type) => type !== request.role))];
  if (others.length > 0)
    warn(
      `App "${request.name}" also has the admin roles ${others.join(', ')}; the worker needs only ${request.role}. They are left assigned (Admin roles tab).`,
    );

  return {
    orgUrl: api.orgUrl,
    app: { id: app.id, clientId, label: app.label, created, dpop },
    key: { kid: key.kid, alg: key.alg, file: request.keyFile, written, addedToApp },
    scopes,
    role: { type: request.role, assigned: !hasRole, others },
    settings: {
      OKTA_ORG_URL: api.orgUrl,
      OKTA_CLIENT_ID: clientId,
      OKTA_PRIVATE_KEY_FILE: request.keyFile,
      OKTA_KEY_ID: key.kid,
      OKTA_SCOPES: request.scopes.join(' '),
    },
    removeFromWorker: ['OKTA_API_TOKEN'],
    warnings,
  };
}

/** The one app labelled `name`, checked to be a service app we can use; undefined when there is none. */
async function findServiceApp(api: OktaServiceApps, name: string): Promise<OktaApp | undefined> {
  const apps = await api.findAppsByLabel(name);
  if (apps.length > 1) {
    throw new CliError(
      `${apps.length} apps are labelled "${name}" (${apps.map((app) => app.id).join(', ')}), so which is the worker's is unclear. ` +
        'Rename or delete the extra ones in the Admin Console, or choose another label with --name.',
      EXIT.failed,
    );
  }
  const app = apps[0];
  if (!app) return undefined;
  const client = app.settings?.oauthClient;
  const problems = [
    app.signOnMode === 'OPENID_CONNECT' && client?.application_type === 'service'
      ? undefined
      : 'it is not an API Services (service) app',
    client?.grant_types?.includes('client_credentials') ? undefined : 'it does not have the client credentials grant',
    app.credentials?.oauthClient?.token_endpoint_auth_method === 'private_key_jwt'
      ? undefined
      : 'its client authentication is not "Public key / Private key" (private_key_jwt)',
    client?.jwks_uri ? 'its keys come from a JWKS URL, so this command cannot add one' : undefined,
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) {
    throw new CliError(
      `An app labelled "${name}" (${app.id}) exists, but ${problems.join('; ')}. Choose another label with --name, or fix that app in the Admin Console.`,
      EXIT.failed,
    );
  }
  if (app.status !== 'ACTIVE') {
    throw new CliError(
      `App "${name}" (${app.id}) is ${app.status}: activate it in the Admin Console (Applications → the app → Activate), then run this again.`,
      EXIT.failed,
    );
  }
  return app;
}

async function ensureScopes(
  api: OktaServiceApps,
  appId: string,
  wanted: string[],
  progress: (event: ServiceAppProgress) => void,
): Promise<ServiceAppResult['scopes']> {
  const active = new Set(
    (await api.listGrants(appId))
      .filter((grant) => (grant.status ?? 'ACTIVE') === 'ACTIVE')
      .map((grant) => grant.scopeId),
  );
  const result: ServiceAppResult['scopes'] = {
    granted: [],
    alreadyGranted: [],
    extra: [...active].filter((scope) => !wanted.includes(scope)).sort(),
  };
  for (const scope of wanted) {
    if (active.has(scope)) {
      result.alreadyGranted.push(scope);
      progress({ step: 'scope', outcome: 'already-granted', scope });
    } else {
      await api.grantScope(appId, scope);
      result.granted.push(scope);
      progress({ step: 'scope', outcome: 'granted', scope });
    }
  }
  return result;
}

/** The client id, which Okta makes equal to the app id unless one is given. */
function clientIdOf(app: OktaApp): string {
  return app.credentials?.oauthClient?.client_id ?? app.id;
}
