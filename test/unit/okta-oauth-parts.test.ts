/** Unit tests of the pure parts of the Okta OAuth client: challenges, htu, error parsing, scopes, hints. */
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { RejectedUpstreamError } from '../../src/clients/http/errors';
import { redactSecrets } from '../../src/clients/http/secrets';
import { challengeError, parseWwwAuthenticate } from '../../src/clients/http/www-authenticate';
import { missingScopes, REQUIRED_OKTA_SCOPES, type OktaCredentials } from '../../src/clients/okta/credentials';
import { accessTokenHash, dpopHtu, DpopProver } from '../../src/clients/okta/dpop';
import { oktaRefusalHint, scopeToGrant } from '../../src/clients/okta/refusal-hints';
import { parseOktaError } from '../../src/clients/okta/schemas';

const BEARER_SCOPE =
  'Bearer authorization_uri="http://acme.okta.com/oauth2/v1/authorize", realm="http://acme.okta.com", scope="okta.policies.manage", ' +
  'error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/policies/00p1/rules"';
const DPOP_PROOF =
  'DPoP algs="RS256 RS384 RS512 ES256 ES384 ES512", authorization_uri="http://acme.okta.com/oauth2/v1/authorize", realm="http://acme.okta.com", ' +
  'scope="okta.groups.read", error="invalid_dpop_proof", error_description="\'htu\' claim in the DPoP proof JWT is invalid.", resource="/api/v1/groups/00g1/users"';

describe('WWW-Authenticate', () => {
  it('reads the Bearer and DPoP challenges Okta sends (docs/contracts/okta.md §8.4, §10)', () => {
    expect(parseWwwAuthenticate(BEARER_SCOPE)).toEqual([
      {
        scheme: 'Bearer',
        params: {
          authorization_uri: 'http://acme.okta.com/oauth2/v1/authorize',
          realm: 'http://acme.okta.com',
          scope: 'okta.policies.manage',
          error: 'insufficient_scope',
          error_description: 'The access token provided does not contain the required scopes.',
          resource: '/api/v1/policies/00p1/rules',
        },
      },
    ]);
    expect(challengeError(DPOP_PROOF)).toEqual({
      scheme: 'DPoP',
      error: 'invalid_dpop_proof',
      description: "'htu' claim in the DPoP proof JWT is invalid.",
      scope: 'okta.groups.read',
    });
  });

  it('takes several challenges, repeated header lines, escapes and tokens', () => {
    expect(
      parseWwwAuthenticate(['Basic realm="x"', 'Bearer error=invalid_token, error_description="say \\"no\\""']),
    ).toEqual([
      { scheme: 'Basic', params: { realm: 'x' } },
      { scheme: 'Bearer', params: { error: 'invalid_token', error_description: 'say "no"' } },
    ]);
    expect(challengeError('Bearer realm="x"')).toBeUndefined();
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
  });
});

describe("Okta's refusals", () => {
  it('an empty 403 with insufficient_scope names the scope; a DPoP refusal its reason; a body wins over headers', () => {
    expect(parseOktaError(undefined, { 'www-authenticate': BEARER_SCOPE })).toEqual({
      code: 'insufficient_scope',
      scope: 'okta.policies.manage',
      message:
        'the access token lacks the scope okta.policies.manage (The access token provided does not contain the required scopes.)',
    });
    expect(parseOktaError(undefined, { 'www-authenticate': DPOP_PROOF })).toEqual({
      code: 'invalid_dpop_proof',
      message: "'htu' claim in the DPoP proof JWT is invalid.",
    });
    expect(
      parseOktaError({ error: 'invalid_client', error_description: 'The client_assertion JWT kid is invalid.' }),
    ).toEqual({ code: 'invalid_client', message: 'The client_assertion JWT kid is invalid.' });
    expect(
      parseOktaError(
        { errorCode: 'E0000006', errorSummary: 'You do not have permission to perform the requested action' },
        { 'www-authenticate': BEARER_SCOPE },
      ),
    ).toEqual({
      code: 'E0000006',
      message: 'You do not have permission to perform the requested action',
    });
  });

  it('under OAuth the fix names the scope to grant or the role to assign, and the retry; under SSWS nothing changes', () => {
    const oauth: OktaCredentials = {
      kind: 'oauth',
      clientId: '0oaSvc',
      privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      keyId: 'k',
      alg: 'ES256',
      scopes: [...REQUIRED_OKTA_SCOPES],
    };
    const hint = oktaRefusalHint(oauth)!;
    const scope = new RejectedUpstreamError({
      service: 'okta',
      operation: 'create routing rule',
      status: 403,
      ...(({ code, message }) => ({ upstreamCode: code, upstreamMessage: message }))(
        parseOktaError(undefined, { 'www-authenticate': BEARER_SCOPE }),
      ),
      hint: hint({ ...parseOktaError(undefined, { 'www-authenticate': BEARER_SCOPE }), status: 403 }),
    });
    expect(scope.message).toContain('insufficient_scope the access token lacks the scope okta.policies.manage');
    expect(scope.message).toContain(
      'grant okta.policies.manage to the Okta service app 0oaSvc — Admin Console: Applications → the app → Okta API Scopes → Grant, or run `bi-okta okta-service-app` again — then `bi-okta retry`',
    );
    expect(hint({ status: 403, code: 'E0000006' })).toBe(
      'assign the ORG_ADMIN role to the service app 0oaSvc — Admin Console: Applications → the app → Admin roles — then `bi-okta retry`',
    );
    const ssws = oktaRefusalHint({ kind: 'api-token', token: 'x' })!;
    expect(ssws({ status: 403, code: 'E0000006' })).toBeUndefined();
    expect(ssws({ status: 401, code: 'E0000011' })).toBeUndefined();
  });

  it('a 403 E0000023 is about the user, not the credentials: both kinds say the profile is mastered by a directory', () => {
    const oauth: OktaCredentials = {
      kind: 'oauth',
      clientId: '0oaSvc',
      privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      keyId: 'k',
      alg: 'ES256',
      scopes: [...REQUIRED_OKTA_SCOPES],
    };
    for (const credentials of [oauth, { kind: 'api-token', token: 'x' } as const]) {
      const refusal = new RejectedUpstreamError({
        service: 'okta',
        operation: 'update user profile',
        status: 403,
        upstreamCode: 'E0000023',
        upstreamMessage: 'Operation failed because user profile is mastered under another system',
        hint: oktaRefusalHint(credentials)!({ status: 403, code: 'E0000023' }),
      });
      expect(refusal.message).toContain(
        "— the user's profile is mastered by a directory or HR system: Okta changes only Okta-mastered attributes of it",
      );
      expect(refusal.message).not.toContain('credentials lack a permission');
    }
  });
});

describe('scopes', () => {
  it('manage covers read; every missing one is named in order', () => {
    expect(
      missingScopes(REQUIRED_OKTA_SCOPES, ['okta.users.manage', 'okta.groups.manage', 'okta.schemas.manage']),
    ).toEqual(['okta.idps.manage', 'okta.policies.manage']);
    expect(missingScopes(['okta.groups.read'], ['okta.groups.read'])).toEqual([]);
    expect(missingScopes(['okta.groups.manage'], ['okta.groups.read'])).toEqual(['okta.groups.manage']);
  });
});

describe('DPoP', () => {
  it('htu is the origin and the percent-decoded path, without the query', () => {
    expect(dpopHtu('https://acme.okta.com/api/v1/users/first.person%40example.com?limit=1')).toBe(
      'https://acme.okta.com/api/v1/users/first.person@example.com',
    );
    expect(dpopHtu('http://127.0.0.1:8025/oauth2/v1/token')).toBe('http://127.0.0.1:8025/oauth2/v1/token');
    expect(dpopHtu('https://acme.okta.com/api/v1/users/bad%E0%A4%A')).toBe(
      'https://acme.okta.com/api/v1/users/bad%E0%A4%A',
    );
  });

  it('every proof is new, signed by one ES256 key it carries, with ath for a token and nonce when asked', async () => {
    const prover = new DpopProver();
    const first = await prover.proof('GET', 'https://acme.okta.com/api/v1/users/a%40b.example?x=1', {
      accessToken: 'the-access-token',
    });
    const second = await prover.proof('POST', 'https://acme.okta.com/oauth2/v1/token', { nonce: 'n-1' });
    const header = decodeProtectedHeader(first);
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
    expect(header.jwk).not.toHaveProperty('d');
    expect(decodeProtectedHeader(second).jwk).toEqual(header.jwk);
    const { payload } = await jwtVerify(first, await importJWK(header.jwk!, 'ES256'));
    expect(payload).toMatchObject({
      htm: 'GET',
      htu: 'https://acme.okta.com/api/v1/users/a@b.example',
      ath: accessTokenHash('the-access-token'),
    });
    expect(typeof payload.iat).toBe('number');
    expect(decodeJwt(second)).toMatchObject({ htm: 'POST', nonce: 'n-1' });
    expect(decodeJwt(second).jti).not.toBe(payload.jti);
    expect(accessTokenHash('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('a DPoP authorization is redacted by its shape', () => {
    expect(redactSecrets('authorization: DPoP eyJhbGciOi.abc.def')).toBe('authorization: DPoP [redacted]');
  });
});

describe('the scope to grant', () => {
  it("is the service's own scope that covers the one Okta named", () => {
    expect(scopeToGrant('okta.policies.read')).toBe('okta.policies.manage');
    expect(scopeToGrant('okta.groups.read')).toBe('okta.groups.read');
    expect(scopeToGrant('okta.apps.read')).toBe('okta.apps.read');
  });
});
