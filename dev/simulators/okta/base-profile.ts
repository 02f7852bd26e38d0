/**
 * The 31 base properties of Okta's default user profile (`definitions.base`), as the user schema
 * shows them: titles, lengths and formats from Okta's schema docs and the spec's `UserProfile`.
 * Okta defines and versions these; an org can change only their permissions (see schema.ts).
 */

type Permission = { principal: string; action: string };

/** One property of the user schema, base or custom (the spec's `UserSchemaAttribute`, the fields we keep). */
export interface SchemaAttribute {
  title: string;
  type: 'string' | 'boolean' | 'integer' | 'number' | 'array';
  description?: string;
  required?: boolean | null;
  format?: string;
  minLength?: number | null;
  maxLength?: number | null;
  enum?: (string | number)[] | null;
  oneOf?: { const: string; title: string }[] | null;
  pattern?: string;
  items?: {
    type: 'string' | 'boolean' | 'integer' | 'number';
    enum?: (string | number)[];
    oneOf?: { const: string; title: string }[];
  };
  mutability?: 'IMMUTABLE' | 'READ_ONLY' | 'READ_WRITE' | 'WRITE_ONLY';
  scope?: 'NONE' | 'SELF';
  unique?: boolean | null;
  externalName?: string;
  externalNamespace?: string;
  master?: { type: 'OKTA' | 'OVERRIDE' | 'PROFILE_MASTER'; priority?: { type?: string; value?: string }[] } | null;
  permissions?: Permission[] | null;
}

/** The properties a profile must always have (non-blank). */
export const BASE_REQUIRED = ['login', 'firstName', 'lastName', 'email'] as const;

const DEFAULT_PERMISSIONS: Permission[] = [{ principal: 'SELF', action: 'READ_WRITE' }];

function base(title: string, extra: Partial<SchemaAttribute> = {}): SchemaAttribute {
  return {
    title,
    type: 'string',
    ...extra,
    mutability: 'READ_WRITE',
    scope: 'NONE',
    permissions: DEFAULT_PERMISSIONS,
    master: { type: 'PROFILE_MASTER' },
  };
}

/** In the order Okta lists them. */
export const BASE_PROPERTIES: Readonly<Record<string, SchemaAttribute>> = {
  login: base('Username', { required: true, minLength: 5, maxLength: 100 }),
  firstName: base('First name', { required: true, minLength: 1, maxLength: 50 }),
  lastName: base('Last name', { required: true, minLength: 1, maxLength: 50 }),
  middleName: base('Middle name'),
  honorificPrefix: base('Honorific prefix'),
  honorificSuffix: base('Honorific suffix'),
  email: base('Primary email', { required: true, format: 'email', minLength: 5, maxLength: 100 }),
  title: base('Title'),
  displayName: base('Display name'),
  nickName: base('Nickname'),
  profileUrl: base('Profile Url', { format: 'uri' }),
  secondEmail: base('Secondary email', { format: 'email', maxLength: 100 }),
  mobilePhone: base('Mobile phone', { maxLength: 100 }),
  primaryPhone: base('Primary phone', { maxLength: 100 }),
  streetAddress: base('Street address', { maxLength: 1024 }),
  city: base('City', { maxLength: 128 }),
  state: base('State', { maxLength: 128 }),
  zipCode: base('Zip code', { maxLength: 50 }),
  countryCode: base('Country code', { format: 'country-code', maxLength: 2 }),
  postalAddress: base('Postal Address', { maxLength: 4096 }),
  preferredLanguage: base('Preferred language', { format: 'language-code' }),
  locale: base('Locale', { format: 'locale' }),
  timezone: base('Time zone', { format: 'timezone' }),
  userType: base('User type'),
  employeeNumber: base('Employee number'),
  costCenter: base('Cost center'),
  organization: base('Organization'),
  division: base('Division'),
  department: base('Department'),
  managerId: base('ManagerId'),
  manager: base('Manager'),
};

/** Names Okta reserves for custom properties (Okta help, "About profile types"); compared case-insensitively. */
export const RESERVED_NAMES = new Set(
  [
    'id',
    'profile',
    'status',
    'transitioningToStatus',
    'created',
    'activated',
    'statusChanged',
    'lastLogin',
    'lastUpdated',
    'passwordChanged',
    'type',
    'realm',
    'realmId',
    'password',
    'credentials',
    'class',
    'classLoader',
  ].map((name) => name.toLowerCase()),
);
