/** Identifiers shaped like Okta's: a type prefix and base62 characters (users `00u…`, groups `00g…`, IdPs `0oa…`). */
import { randomBytes } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function base62(length: number): string {
  const bytes = randomBytes(length);
  let text = '';
  // 62 does not divide 256; the slight bias is irrelevant for identifiers.
  for (const byte of bytes) text += BASE62[byte % 62];
  return text;
}

/** Object ids are 20 characters, prefix included, as in the spec's examples. */
export const newUserId = (): string => `00u${base62(17)}`;
export const newGroupId = (): string => `00g${base62(17)}`;
export const newIdpId = (): string => `0oa${base62(17)}`;
export const newPolicyId = (): string => `00p${base62(17)}`;
export const newRuleId = (): string => `0pr${base62(17)}`;
export const newUserSchemaId = (): string => `osc${base62(17)}`;
export const newErrorId = (): string => `oae${base62(22)}`;
export const newRequestId = (): string => base62(24);
export const randomToken = (length: number): string => base62(length);
/** Service apps share the `0oa` prefix with IdPs (both are app instances in Okta). */
export const newAppId = (): string => `0oa${base62(17)}`;
/** Client JSON Web Keys: `pks…`, as in the spec's examples. */
export const newJwkId = (): string => `pks${base62(17)}`;
export const newGrantId = (): string => `oag${base62(17)}`;
/** Role assignment ids look like `JBCUYUC7IRCVGS27IFCE2SKO`: 24 upper-case base32 characters. */
export const newRoleAssignmentId = (): string =>
  base62(24)
    .toUpperCase()
    .replace(/[^A-Z2-7]/g, 'Q');
