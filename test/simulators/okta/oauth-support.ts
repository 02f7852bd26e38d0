/**
 * Test helpers for the simulator's OAuth 2.0 service apps, independent of src/: key pairs made
 * with jose, service-app bodies shaped like the contract's §9.1 example, client assertions (§8.2)
 * and DPoP proofs (§8.4) signed here, and the token request (§8.1) over real HTTP.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { request } from 'undici';
import type { RunningOktaSimulator } from '../../../dev/simulators/okta';
import { startSimulator, TIMEOUTS, type Exchange, type OktaClient } from './support';

export type Alg = 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512';

export interface ClientKey {
  alg: Alg;
  kid: string;
  privateKey: KeyLike;
  /** The public JWK with kid, alg and use (what the app is registered with). */
  publicJwk: JWK;
}

export async function makeKey(alg: Alg, kid: string): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A private JWK (with `d`), to check the simulator refuses it. */
export async function privateJwk(key: ClientKey): Promise<JWK> {
  return { ...(await exportJWK(key.privateKey)), kid: key.kid };
}

export function serviceAppBody(label: string, keys: JWK[], options: { dpop?: boolean } = {}): Record<string, unknown> {
  return {
    name: 'oidc_client',
    label,
    signOnMode: 'OPENID_CONNECT',
    credentials: { oauthClient: { token_endpoint_auth_method: 'private_key_jwt', autoKeyRotation: true } },
    settings: {
      oauthClient: {
        application_type: 'service',
        grant_types: ['client_credentials'],
        response_types: ['token'],
        ...(options.dpop === undefined ? {} : { dpop_bound_access_tokens: options.dpop }),
        jwks: { keys },
      },
    },
  };
}

export const tokenUrl = (sim: RunningOktaSimulator): string => `${sim.url}/oauth2/v1/token`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface AssertionOptions {
  /** Claims to replace or add (undefined removes one). */
  claims?: Record<string, unknown>;
  /** Header members to replace or add (`kid: undefined` leaves the kid out). */
  header?: Record<string, unknown>;
  /** Sign with this key instead (a bad signature). */
  signWith?: ClientKey;
}

/** A client assertion like okta-sdk-nodejs makes (docs/contracts/okta.md §8.5): iss = sub = client id, aud = token URL, 5 minutes, uuid jti. */
export async function clientAssertion(
  sim: RunningOktaSimulator,
  clientId: string,
  key: ClientKey,
  options: AssertionOptions = {},
): Promise<string> {
  const now = nowSeconds();
  const claims: Record<string, unknown> = {
    iss: clientId,
    sub: clientId,
    aud: tokenUrl(sim),
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...options.claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  const header: Record<string, unknown> = { typ: 'JWT', alg: key.alg, kid: key.kid, ...options.header };
  if (header.kid === undefined) delete header.kid;
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign((options.signWith ?? key).privateKey);
}

export interface ProofOptions {
  nonce?: string;
  /** The access token the proof goes with (adds `ath`). */
  accessToken?: string;
  jti?: string;
  iat?: number;
  /** Claims to replace or add. */
  claims?: Record<string, unknown>;
}

function ath(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

export async function dpopProof(key: ClientKey, htm: string, htu: string, options: ProofOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = {
    htm,
    htu,
    iat: options.iat ?? nowSeconds(),
    jti: options.jti ?? randomUUID(),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    ...(options.accessToken === undefined ? {} : { ath: ath(options.accessToken) }),
    ...options.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: { ...key.publicJwk } })
    .sign(key.privateKey);
}

/** POSTs the form to the token endpoint; the answer in the Exchange shape. */
export async function tokenRequest(
  sim: RunningOktaSimulator,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Exchange> {
  const response = await request(tokenUrl(sim), {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
    ...TIMEOUTS,
  });
  const text = await response.body.text();
  return {
    method: 'POST',
    path: '/oauth2/v1/token',
    status: response.statusCode,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export function credentialsForm(assertion: string, scope: string): Record<string, string> {
  return { grant_type: 'client_credentials', scope, client_assertion_type: JWT_BEARER, client_assertion: assertion };
}

export interface ServiceApp {
  id: string;
  clientId: string;
}

/** Creates a service app (through the Apps API with the SSWS token), grants `scopes` and assigns `roles`. */
export async function setUpServiceApp(
  okta: OktaClient,
  label: string,
  keys: ClientKey[],
  options: { scopes?: string[]; roles?: string[]; dpop?: boolean } = {},
): Promise<ServiceApp> {
  const app = await okta.ok<{ id: string; credentials: { oauthClient: { client_id: string } } }>(
    'POST',
    '/api/v1/apps',
    serviceAppBody(
      label,
      keys.map((key) => key.publicJwk),
      { dpop: options.dpop },
    ),
  );
  for (const scopeId of options.scopes ?? [])
    await okta.expect(201, 'POST', `/api/v1/apps/${app.id}/grants`, { scopeId, issuer: okta.sim.url });
  for (const type of options.roles ?? [])
    await okta.ok('POST', `/oauth2/v1/clients/${app.credentials.oauthClient.client_id}/roles`, { type });
  return { id: app.id, clientId: app.credentials.oauthClient.client_id };
}

export interface Token {
  scheme: 'Bearer' | 'DPoP';
  value: string;
  scope: string;
}

/** A token for the app: Bearer, or (with `dpopKey`) through the nonce challenge, as the Node SDK does it. */
export async function obtainToken(
  sim: RunningOktaSimulator,
  app: ServiceApp,
  key: ClientKey,
  scope: string,
  dpopKey?: ClientKey,
): Promise<Token> {
  let headers: Record<string, string> = dpopKey ? { dpop: await dpopProof(dpopKey, 'POST', tokenUrl(sim)) } : {};
  let answer = await tokenRequest(sim, credentialsForm(await clientAssertion(sim, app.clientId, key), scope), headers);
  const nonce = answer.headers['dpop-nonce'];
  if (dpopKey && answer.status === 400 && typeof nonce === 'string') {
    headers = { dpop: await dpopProof(dpopKey, 'POST', tokenUrl(sim), { nonce }) };
    answer = await tokenRequest(sim, credentialsForm(await clientAssertion(sim, app.clientId, key), scope), headers);
  }
  if (answer.status !== 200) throw new Error(`token request answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  const body = answer.body as { token_type: 'Bearer' | 'DPoP'; access_token: string; scope: string };
  return { scheme: body.token_type, value: body.access_token, scope: body.scope };
}

/** Calls the API with the token (and a fresh proof for a DPoP token, htu = origin + decoded path). */
export async function callWith(
  okta: OktaClient,
  token: Token,
  method: string,
  path: string,
  options: { body?: unknown; proofKey?: ClientKey; proof?: string } = {},
): Promise<Exchange> {
  const headers: Record<string, string> = {};
  if (token.scheme === 'DPoP') {
    const htu = `${okta.sim.url}${decodeURIComponent(path.split('?')[0]!)}`;
    headers.dpop = options.proof ?? (await dpopProof(options.proofKey!, method, htu, { accessToken: token.value }));
  }
  return okta.call(method, path, { authorization: `${token.scheme} ${token.value}`, headers, body: options.body });
}

/**
 * Runs `before` on a simulator with a fresh state file, stops it, runs `after` on a new one over
 * the same file (each stopped even when its step fails), and answers the file's final text.
 */
export async function acrossRestart<T>(
  before: (sim: RunningOktaSimulator) => Promise<T>,
  after: (sim: RunningOktaSimulator, value: T) => Promise<void>,
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'okta-oauth-state-'));
  const stateFile = join(dir, 'okta.json');
  const run = async <R>(step: (sim: RunningOktaSimulator) => Promise<R>): Promise<R> => {
    const sim = await startSimulator({ stateFile });
    try {
      return await step(sim);
    } finally {
      await sim.stop();
    }
  };
  try {
    const value = await run(before);
    await run((sim) => after(sim, value));
    return readFileSync(stateFile, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
