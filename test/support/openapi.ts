/**
 * Validation of real responses against the published OpenAPI documents in ../shared/specs.
 * The specs are data we read in place, never copied into the project; when the folder is absent
 * the tests that need them are skipped with a message that says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { PROJECT_ROOT } from './processes';

const SPECS_DIR = join(PROJECT_ROOT, '..', 'shared', 'specs');
export type SpecName = 'beyond-identity-v1' | 'okta-management';

interface Response {
  $ref?: string;
  content?: Record<string, { schema?: unknown }>;
}
interface Operation {
  responses?: Record<string, Response>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components?: { responses?: Record<string, Response> };
}

/**
 * OpenAPI polymorphism: a `oneOf` with a discriminator mapping takes the branch its mapping names
 * for the object's discriminator value. Ajv does not support mappings, and without them a loose
 * object matches several branches and fails `oneOf`; so each such `oneOf` becomes an if/then chain
 * on the discriminator value, keeping the plain `oneOf` for values the mapping does not name.
 */
function selectBranchesByDiscriminator(node: unknown, seen: WeakSet<object>): void {
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  for (const child of Object.values(node)) selectBranchesByDiscriminator(child, seen);
  const schema = node as {
    oneOf?: unknown[];
    discriminator?: { propertyName?: string; mapping?: Record<string, string> };
    [key: string]: unknown;
  };
  const property = schema.discriminator?.propertyName;
  const mapping = schema.discriminator?.mapping;
  if (!Array.isArray(schema.oneOf) || !property || !mapping) return;
  let chain: Record<string, unknown> = { oneOf: schema.oneOf };
  for (const [value, ref] of Object.entries(mapping).reverse()) {
    chain = {
      if: { properties: { [property]: { const: value } }, required: [property] },
      then: { $ref: ref },
      else: chain,
    };
  }
  delete schema.oneOf;
  delete schema.discriminator;
  Object.assign(schema, chain);
}

/**
 * OpenAPI 3.0 allows `nullable` beside a `$ref` or `allOf` (the Okta spec's JWK and app schemas do
 * that); Ajv refuses to compile `nullable` without `type`. Such a `nullable: false` says nothing,
 * and a `nullable: true` there is rare enough to drop too.
 */
function dropUntypedNullable(node: unknown, seen: WeakSet<object>): void {
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  for (const child of Object.values(node)) dropUntypedNullable(child, seen);
  const schema = node as Record<string, unknown>;
  if ('nullable' in schema && !('type' in schema)) delete schema.nullable;
}

function specPath(name: SpecName): string {
  return join(SPECS_DIR, `${name}.openapi.yaml`);
}

function specAvailable(name: SpecName): boolean {
  return existsSync(specPath(name));
}

/** `describe` when the spec is present; otherwise a skipped block whose name says why. */
export function describeWithSpec(name: SpecName, title: string, body: () => void): void {
  if (specAvailable(name)) {
    describe(title, body);
  } else {
    describe.skip(`${title} (skipped: ${specPath(name)} is absent; the published specs live in ../shared/specs)`, body);
  }
}

export interface ResponseCheck {
  /** The spec's path template that matched, e.g. /v1/tenants/{tenant_id}/realms. */
  template: string;
  /** Which response entry was used: "200", "4XX", "default". */
  response: string;
  errors: string[];
}

export class OpenApiValidator {
  private readonly spec: Spec;
  private readonly ajv: Ajv;
  private readonly templates: { template: string; pattern: RegExp; params: number }[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(name: SpecName) {
    this.spec = parse(readFileSync(specPath(name), 'utf8'), { maxAliasCount: -1 }) as Spec;
    selectBranchesByDiscriminator(this.spec, new WeakSet());
    dropUntypedNullable(this.spec, new WeakSet());
    // OpenAPI 3.0 schemas: `nullable` is understood by Ajv; `discriminator` mappings are rewritten above; `example`, `x-*` are annotations here.
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false, discriminator: false });
    addFormats(this.ajv);
    this.ajv.addSchema(this.spec as object, 'spec');
    this.templates = Object.keys(this.spec.paths)
      .map((template) => {
        const parts = template
          .split(/(\{[^}]+\})/)
          .map((part) => (part.startsWith('{') ? '([^/:]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        return { template, pattern: new RegExp(`^${parts.join('')}$`), params: (template.match(/\{/g) ?? []).length };
      })
      // A literal segment beats a parameter: /idps/credentials/keys before /idps/{idpId}.
      .sort((a, b) => a.params - b.params);
  }

  /** The path template a concrete path (no query string) falls under. */
  templateFor(path: string): string | undefined {
    return this.templates.find((entry) => entry.pattern.test(path))?.template;
  }

  check(method: string, path: string, status: number, body: unknown): ResponseCheck {
    const template = this.templateFor(path);
    if (!template) return { template: '(none)', response: '(none)', errors: [`no path in the spec matches ${path}`] };
    const operation = this.spec.paths[template]?.[method.toLowerCase()];
    if (!operation) return { template, response: '(none)', errors: [`the spec has no ${method} ${template}`] };
    const responses = operation.responses ?? {};
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((candidate) => candidate in responses);
    if (!key)
      return {
        template,
        response: '(none)',
        errors: [
          `the spec lists no ${status} response for ${method} ${template} (it lists ${Object.keys(responses).join(', ')})`,
        ],
      };
    // A response may be a reference to components/responses (the Okta spec's errors are).
    let responsePath = ['paths', template, method.toLowerCase(), 'responses', key];
    let response = responses[key];
    const responseRef = response?.$ref;
    if (responseRef?.startsWith('#/components/responses/')) {
      responsePath = responseRef.slice(2).split('/');
      response = this.spec.components?.responses?.[responsePath[2] ?? ''];
    }
    const content = response?.content;
    const jsonSchema = content?.['application/json']?.schema;
    if (!jsonSchema) {
      const empty = body === undefined || body === '' || body === null;
      return {
        template,
        response: key,
        errors: empty ? [] : [`the spec declares no JSON body for ${method} ${template} ${key}, but one was sent`],
      };
    }
    const pointer = [...responsePath, 'content', 'application/json', 'schema']
      .map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/');
    const ref = `spec#/${pointer}`;
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, validate);
    }
    const ok = validate(body);
    return {
      template,
      response: key,
      errors: ok
        ? []
        : (validate.errors ?? []).map(
            (error) => `${error.instancePath || '(root)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
          ),
    };
  }
}
