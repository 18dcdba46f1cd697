// A form from a tool's JSON input schema: which fields to show, and how the
// strings a person types become the arguments of a tool call. Kept apart from
// the rendering so it can be tested without a browser.

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'object' | 'json';

export interface Field {
  /** Path of the value, dotted from the top object (a.b.c). */
  path: string;
  name: string;
  kind: FieldKind;
  required: boolean;
  title?: string;
  description?: string;
  /** enum: the allowed values, as JSON values. */
  options?: unknown[];
  /** object: its own fields. */
  fields?: Field[];
  /** json: what the value should be (array, object, ...), for the hint. */
  expect?: string;
  multiline?: boolean;
  default?: unknown;
  format?: string;
}

type Schema = Record<string, unknown>;

const isObj = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schema's type, with "null" dropped from a union such as ["string","null"]. */
function typeOf(s: Schema): string | undefined {
  const t = s.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const rest = t.filter((x) => x !== 'null');
    return rest.length === 1 ? String(rest[0]) : undefined;
  }
  if (isObj(s.properties)) return 'object';
  return undefined;
}

/** Follows a local $ref (#/$defs/x, #/definitions/x) within the root schema. */
function resolveRef(s: Schema, root: Schema): Schema {
  let cur = s;
  // A few hops at most: a chain of refs, or a loop, ends as a JSON field.
  for (let hops = 0; hops < 5 && typeof cur.$ref === 'string'; hops++) {
    const ref = cur.$ref as string;
    if (!ref.startsWith('#/')) return cur;
    let target: unknown = root;
    for (const part of ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      target = isObj(target) ? target[key] : undefined;
    }
    if (!isObj(target)) return cur;
    const { $ref: _ref, ...rest } = cur;
    cur = { ...target, ...rest };
  }
  return cur;
}

function fieldOf(name: string, path: string, raw: Schema, required: boolean, depth: number, root: Schema): Field {
  const s = resolveRef(raw, root);
  const base = {
    path,
    name,
    required,
    title: typeof s.title === 'string' ? s.title : undefined,
    description: typeof s.description === 'string' ? s.description : undefined,
    default: s.default,
    format: typeof s.format === 'string' ? s.format : undefined,
  };
  if (Array.isArray(s.enum) && s.enum.length) return { ...base, kind: 'enum', options: s.enum };
  if ('const' in s) return { ...base, kind: 'enum', options: [s.const] };
  const t = typeOf(s);
  switch (t) {
    case 'string':
      return { ...base, kind: 'string' };
    case 'number':
    case 'integer':
    case 'boolean':
      return { ...base, kind: t };
    case 'object':
      // Nested objects with known properties get their own fields; deep or
      // open-ended ones are typed as JSON.
      if (isObj(s.properties) && depth < 3 && !s.additionalProperties) {
        return { ...base, kind: 'object', fields: fieldsOf(s, path, depth + 1, root) };
      }
      return { ...base, kind: 'json', expect: 'object', multiline: true };
    case 'array':
      return { ...base, kind: 'json', expect: 'array', multiline: true };
  }
  // anyOf, oneOf, $ref, no type: the person writes JSON.
  return { ...base, kind: 'json', expect: 'any JSON value', multiline: true };
}

function fieldsOf(schema: Schema, prefix: string, depth: number, root: Schema): Field[] {
  const props = isObj(schema.properties) ? schema.properties : {};
  const req = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  return Object.entries(props).map(([name, sub]) =>
    fieldOf(name, prefix ? `${prefix}.${name}` : name, isObj(sub) ? sub : {}, req.has(name), depth, root),
  );
}

/** The fields of a tool's input schema (an object schema; anything else has none). */
export function fieldsFor(schema: unknown): Field[] {
  if (!isObj(schema)) return [];
  return fieldsOf(resolveRef(schema, schema), '', 0, schema);
}

/** What the form holds: text as typed, booleans as booleans. */
export type Values = Record<string, string | boolean>;

function flatten(fields: Field[]): Field[] {
  return fields.flatMap((f) => (f.kind === 'object' ? flatten(f.fields ?? []) : [f]));
}

/** Starting values: each field's default, as the form shows it. */
export function initialValues(fields: Field[]): Values {
  const v: Values = {};
  for (const f of flatten(fields)) {
    if (f.kind === 'boolean') v[f.path] = f.default === true;
    else if (f.default === undefined) v[f.path] = '';
    else if (f.kind === 'json') v[f.path] = JSON.stringify(f.default, null, 2);
    else if (f.kind === 'enum') v[f.path] = JSON.stringify(f.default);
    else v[f.path] = String(f.default);
  }
  return v;
}

export interface BuildResult {
  args: Record<string, unknown>;
  /** path -> what is wrong with it, in words. */
  errors: Record<string, string>;
}

/**
 * Turns the form's values into the tool's arguments. Empty optional fields are
 * left out (so the tool's own defaults apply); a required one that is empty,
 * a number that is not one, or JSON that does not parse is an error.
 * Booleans are sent when required or changed from their default.
 */
export function buildArguments(fields: Field[], values: Values): BuildResult {
  const build = (list: Field[], errors: Record<string, string>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const f of list) {
      if (f.kind === 'object') {
        const innerErrors: Record<string, string> = {};
        const inner = build(f.fields ?? [], innerErrors);
        // An optional object left wholly empty is left out, so its own
        // required fields do not apply.
        if (!f.required && Object.keys(inner).length === 0 && Object.values(innerErrors).every((e) => e === 'is required')) continue;
        Object.assign(errors, innerErrors);
        out[f.name] = inner;
        continue;
      }
      const raw = values[f.path];
      if (f.kind === 'boolean') {
        const b = raw === true;
        if (f.required || b !== (f.default === true)) out[f.name] = b;
        continue;
      }
      const text = typeof raw === 'string' ? raw : '';
      if (text.trim() === '') {
        if (f.required) errors[f.path] = 'is required';
        continue;
      }
      switch (f.kind) {
        case 'string':
          out[f.name] = text;
          break;
        case 'number':
        case 'integer': {
          const n = Number(text.trim());
          if (!Number.isFinite(n)) errors[f.path] = `must be a number, not "${text}"`;
          else if (f.kind === 'integer' && !Number.isInteger(n)) errors[f.path] = `must be a whole number, not ${text}`;
          else out[f.name] = n;
          break;
        }
        case 'enum':
          // Options are kept as JSON text so 1 and "1" stay apart.
          try {
            out[f.name] = JSON.parse(text);
          } catch {
            out[f.name] = text;
          }
          break;
        case 'json':
          try {
            const v = JSON.parse(text);
            if (f.expect === 'array' && !Array.isArray(v)) errors[f.path] = 'must be a JSON array, such as ["a", "b"]';
            else if (f.expect === 'object' && (typeof v !== 'object' || v === null || Array.isArray(v)))
              errors[f.path] = 'must be a JSON object, such as {"key": "value"}';
            else out[f.name] = v;
          } catch (e) {
            errors[f.path] = `is not valid JSON (${e instanceof Error ? e.message : String(e)})`;
          }
          break;
      }
    }
    return out;
  };
  const errors: Record<string, string> = {};
  const args = build(fields, errors);
  return { args, errors };
}
