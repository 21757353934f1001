// fast-check arbitraries derived from a JSON Schema (the draft-07 subset the OpenRPC document is
// generated in): values the schema accepts, and for an object, a valid object with some fields made
// wrong one way or another (wrong type, out of range, too long, off-pattern, not in the enum, a
// required field left out, an unknown field). ajv, reading the same schema, is the oracle: a value
// is only called valid or wrong when ajv agrees, so the fuzz judges the server against its document.
import fc from 'fast-check';
import { Ajv, type ValidateFunction } from 'ajv';

export type Schema = Record<string, unknown>;

const ajv = new Ajv({ strict: false });
const compiled = new WeakMap<Schema, ValidateFunction>();
export function validator(schema: Schema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) compiled.set(schema, (v = ajv.compile(schema)));
  return v;
}

const num = (s: Schema, k: string) => (typeof s[k] === 'number' ? (s[k] as number) : undefined);
// Generated strings stay short and are never blank: blank or huge text is the wrong side's job.
const SHORT = 24;
const nonBlank = (s: string) => s.trim().length > 0;

/** Values the schema accepts. */
export function validArb(schema: Schema): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives && !schema.type) return fc.oneof(...alternatives.map(validArb));
  const type = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (type.length > 1) return fc.oneof(...type.map((t) => validArb({ ...schema, type: t })));
  const v = validator(schema);
  switch (type[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'number': {
      const min = num(schema, 'minimum') ?? (num(schema, 'exclusiveMinimum') !== undefined ? num(schema, 'exclusiveMinimum')! + (type[0] === 'integer' ? 1 : 0.001) : -1e6);
      const max = Math.min(num(schema, 'maximum') ?? 1e6, 2 ** 40);
      const base = type[0] === 'integer' ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
      return fc.oneof(base, fc.constantFrom(min, max).map((x) => (type[0] === 'integer' ? Math.ceil(x) : x))).filter((x) => v(x));
    }
    case 'string': {
      const minLength = num(schema, 'minLength') ?? 0;
      const maxLength = Math.min(num(schema, 'maxLength') ?? SHORT, Math.max(SHORT, minLength));
      const base = typeof schema.pattern === 'string' ? fc.stringMatching(new RegExp(schema.pattern)) : fc.string({ minLength: Math.max(1, minLength), maxLength });
      return base.filter((s) => nonBlank(s) && v(s));
    }
    case 'array': {
      const items = (schema.items ?? {}) as Schema;
      const minLength = num(schema, 'minItems') ?? 0;
      return fc.array(validArb(items), { minLength, maxLength: Math.min(num(schema, 'maxItems') ?? 4, minLength + 4) }).filter((a) => v(a));
    }
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      if (Object.keys(properties).length) {
        const required = (schema.required ?? []) as string[];
        const record = fc.record(Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, validArb(s)])), { requiredKeys: required });
        return record.filter((o) => v(o));
      }
      // A map: keys from propertyNames, values from additionalProperties.
      const names = (schema.propertyNames ?? { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,8}$' }) as Schema;
      const values = (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {}) as Schema;
      return fc.dictionary(validArb(names) as fc.Arbitrary<string>, validArb(values), { maxKeys: 4 }).filter((o) => v(o));
    }
    default:
      return fc.jsonValue();
  }
}

const otherTypes = fc.constantFrom<unknown>(null, true, 0, -1.5, 'x', '', [], {}, [1], { a: 1 });

/** Values the schema refuses, built from what it states (type, bounds, lengths, pattern, enum,
 * items, keys), each checked by ajv. */
export function wrongArb(schema: Schema): fc.Arbitrary<unknown> {
  const candidates: fc.Arbitrary<unknown>[] = [otherTypes];
  const type = Array.isArray(schema.type) ? (schema.type as string[])[0] : (schema.type as string | undefined);
  const min = num(schema, 'minimum');
  const max = num(schema, 'maximum');
  const exMin = num(schema, 'exclusiveMinimum');
  if (min !== undefined) candidates.push(fc.constantFrom(min - 1, min - 0.001, -1e9));
  if (exMin !== undefined) candidates.push(fc.constantFrom(exMin, exMin - 1));
  if (max !== undefined) candidates.push(fc.constantFrom(max + 1, max * 2 + 1, 1e12));
  if (type === 'integer') candidates.push(fc.double({ min: 1.01, max: 1000, noNaN: true }).filter((x) => !Number.isInteger(x)));
  if (type === 'number' || type === 'integer') candidates.push(fc.constantFrom('5', '0.5'));
  const maxLength = num(schema, 'maxLength');
  const minLength = num(schema, 'minLength');
  if (maxLength !== undefined) candidates.push(fc.constant('x'.repeat(maxLength + 1)));
  if (minLength !== undefined && minLength > 0) candidates.push(fc.constant(''));
  if (typeof schema.pattern === 'string') candidates.push(fc.string({ minLength: 1, maxLength: 30, unit: 'binary' }));
  if (Array.isArray(schema.enum)) candidates.push(fc.string({ maxLength: 12 }));
  if (type === 'array') {
    const items = (schema.items ?? {}) as Schema;
    const minItems = num(schema, 'minItems');
    const maxItems = num(schema, 'maxItems');
    if (minItems !== undefined && minItems > 0) candidates.push(fc.constant([]));
    if (maxItems !== undefined) candidates.push(fc.constant(Array.from({ length: maxItems + 1 }, () => 'x')));
    candidates.push(fc.tuple(validArb(items), wrongArb(items)).map(([good, bad]) => [good, bad]));
  }
  if (type === 'object' && !schema.properties) {
    const values = (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {}) as Schema;
    candidates.push(fc.constantFrom({ '1A': 'x' }, { 'A-B': 'x' }, { '': 'x' }));
    candidates.push(wrongArb(values).map((bad) => ({ A: bad })));
  }
  const v = validator(schema);
  return fc.oneof(...candidates).filter((x) => x !== undefined && !v(x));
}

export interface Mutated {
  params: Record<string, unknown>;
  /** The fields made wrong ('' for an unknown field at the top). */
  wrong: string[];
}

const UNKNOWN = 'notAField';

/** A valid params object with one to three fields made wrong, or left out when required, or an
 * unknown field added. Only what ajv refuses is kept, so `wrong` is never empty. */
export function mutatedArb(schema: Schema): fc.Arbitrary<Mutated> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  const fields = Object.keys(properties);
  const v = validator(schema);
  const perField = fields.map((k) =>
    fc.oneof(
      { weight: 4, arbitrary: wrongArb(properties[k]!).map((value) => ({ field: k, value, drop: false })) },
      { weight: required.has(k) ? 1 : 0, arbitrary: fc.constant({ field: k, value: undefined as unknown, drop: true }) },
    ),
  );
  const unknownField = fc.constant({ field: UNKNOWN, value: 1 as unknown, drop: false });
  const changes = fields.length ? fc.uniqueArray(fc.oneof(...perField, unknownField), { minLength: 1, maxLength: 3, selector: (c) => c.field }) : fc.tuple(unknownField).map((t) => [...t]);
  return fc.tuple(validArb(schema) as fc.Arbitrary<Record<string, unknown>>, changes).map(([base, change]) => {
    const params = { ...base };
    for (const c of change) {
      if (c.drop) delete params[c.field];
      else params[c.field] = c.value;
    }
    return { params, wrong: change.map((c) => c.field) };
  }).filter((m) => !v(m.params));
}

/** An OpenRPC method's by-name params as one object schema: its descriptors, required flags and
 * x-params-constraints (rules over several fields). */
export interface DocMethod {
  name: string;
  params: { name: string; required?: boolean; schema: Schema }[];
  result: { schema: Schema };
  errors: { code: number }[];
  'x-params-constraints'?: Schema;
}
export function paramsSchemaOf(m: DocMethod): Schema {
  return {
    type: 'object',
    properties: Object.fromEntries(m.params.map((p) => [p.name, p.schema])),
    required: m.params.filter((p) => p.required).map((p) => p.name),
    additionalProperties: false,
    ...m['x-params-constraints'],
  };
}
