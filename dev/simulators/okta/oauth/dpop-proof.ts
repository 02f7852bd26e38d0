/**
 * DPoP proofs (RFC 9449; docs/contracts/okta.md §8.4), at the token endpoint and on resource calls: `typ`
 * dpop+jwt, an asymmetric `alg`, a public `jwk` in the header that verifies the signature, and
 * the claims `htm`, `htu`, a recent `iat`, a single-use `jti` and, on resource calls, `ath`.
 * The caller decides what a failure means (400 invalid_dpop_proof in both places).
 */
import { PRIVATE_MEMBERS } from './jwk';
import { CLOCK_SKEW_SECONDS, isSigningAlg, readJwt, signatureVerifies, thumbprint } from './jws';
import type { ReplayCache } from './replay';

/** How old a proof may be (its `iat`). Unverified for Okta: proofs are made for one request. */
const PROOF_MAX_AGE_SECONDS = 300;

export class ProofRejected extends Error {
  constructor(
    readonly description: string,
    readonly replayed = false,
  ) {
    super(description);
  }
}

export interface ProofExpectations {
  htm: string;
  htu: string;
  /** base64url(SHA-256(access token)) on resource calls. */
  ath?: string;
}

export interface VerifiedProof {
  /** The proof key's thumbprint: what a DPoP token is bound to. */
  jkt: string;
  nonce: unknown;
}

const claimInvalid = (claim: string) => new ProofRejected(`'${claim}' claim in the DPoP proof JWT is invalid.`);
const headerInvalid = (member: string) => new ProofRejected(`'${member}' header in the DPoP proof JWT is invalid.`);

/** The proof's key thumbprint and nonce, or a thrown ProofRejected. Its jti is used up only once everything else holds. */
export async function verifyDpopProof(
  proof: string,
  expected: ProofExpectations,
  replay: ReplayCache,
  nowMs: number,
): Promise<VerifiedProof> {
  const jwt = readJwt(proof);
  if (!jwt) throw new ProofRejected('DPoP proof JWT cannot be parsed.');
  const { header, claims } = jwt;
  if (header.typ !== 'dpop+jwt') throw headerInvalid('typ');
  if (!isSigningAlg(header.alg)) throw headerInvalid('alg');
  const jwk = header.jwk;
  // A public key only: a proof that carries its private key proves nothing.
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk) || PRIVATE_MEMBERS.some((member) => member in jwk))
    throw headerInvalid('jwk');
  const key = jwk as Record<string, unknown>;
  if (!(await signatureVerifies(proof, key, header.alg)))
    throw new ProofRejected('The DPoP proof JWT signature is invalid.');
  if (claims.htm !== expected.htm) throw claimInvalid('htm');
  if (claims.htu !== expected.htu) throw claimInvalid('htu');
  const now = nowMs / 1000;
  if (
    typeof claims.iat !== 'number' ||
    claims.iat > now + CLOCK_SKEW_SECONDS ||
    claims.iat < now - PROOF_MAX_AGE_SECONDS
  )
    throw claimInvalid('iat');
  if (typeof claims.jti !== 'string' || claims.jti === '') throw claimInvalid('jti');
  if (expected.ath !== undefined && claims.ath !== expected.ath) throw claimInvalid('ath');
  const jkt = await thumbprint(key);
  if (!replay.use(`${jkt}:${claims.jti}`, (claims.iat + PROOF_MAX_AGE_SECONDS + CLOCK_SKEW_SECONDS) * 1000))
    throw new ProofRejected('The DPoP proof JWT has already been used.', true);
  return { jkt, nonce: claims.nonce };
}
