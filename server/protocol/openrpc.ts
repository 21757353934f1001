import { z } from 'zod';
import { errorTable, invalidParamsDataSchema, type ErrorInfo, type MethodTraits } from './errors.js';
import { methods, notifications, methodNames, type MethodName } from './methods.js';

export const protocolVersion = '1.0.0';

type JsonSchema = Record<string, unknown>;

// OpenRPC 1.x embeds JSON Schema draft-07; its tools (ajv in draft-07 mode among them) refuse the
// 2020-12 keywords zod emits by default. The $schema line is dropped: the document fixes the draft.
function schemaOf(s: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _draft, ...schema } = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-07' }) as JsonSchema;
  return schema;
}

const structural = new Set(['type', 'properties', 'required', 'additionalProperties', 'description']);

/** This server's host: a parameter named after one of its dimensions (cpus, memoryMb) cannot
 * exceed it, and the server refuses more with -32602, so the document says so. */
export interface HostCapacity {
  cpus: number;
  memoryMb: number;
  /** False when the server's runtime places no jobs (docker): it then takes no `constraints`. */
  placement?: boolean;
}

function capped(field: string, schema: JsonSchema, capacity: HostCapacity | undefined): JsonSchema {
  if (field === 'constraints' && capacity?.placement === false) {
    return { ...schema, maxItems: 0, description: `${String(schema.description ?? field)}; none on this server (its runtime is docker, not swarm)` };
  }
  const host = capacity && Object.hasOwn(capacity, field) ? capacity[field as keyof HostCapacity] : undefined;
  if (typeof host !== 'number' || typeof schema.maximum !== 'number' || schema.maximum <= host) return schema;
  return { ...schema, maximum: host, description: `${String(schema.description ?? field)}; at most ${host} on this server's host` };
}

/** A method's params object split into one content descriptor per field (paramStructure by-name:
 * `{"params": {"id": 1}}`). Rules over several fields (zod `.meta()` on the object, e.g. "cmd or
 * argv") cannot live in one descriptor; they go to `x-params-constraints`, JSON Schema keywords for
 * the params object as a whole. */
function paramsOf(name: MethodName, capacity: HostCapacity | undefined): { params: JsonSchema[]; constraints: JsonSchema | null } {
  const schema = schemaOf(methods[name].params, 'input');
  if (schema.type !== 'object' || 'definitions' in schema) throw new Error(`${name}: params must be a plain object schema`);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const params = Object.entries(properties).map(([field, raw]) => {
    const fieldSchema = capped(field, raw, capacity);
    return {
      name: field,
      required: required.has(field),
      ...(typeof fieldSchema.description === 'string' ? { description: fieldSchema.description } : {}),
      schema: fieldSchema,
    };
  });
  const rest = Object.entries(schema).filter(([k]) => !structural.has(k));
  return { params, constraints: rest.length ? Object.fromEntries(rest) : null };
}

// An error object has only code, message and data; -32602's data is shown by example here, and its
// shape is components.schemas.InvalidParamsData.
function errorObject(e: ErrorInfo): JsonSchema {
  if (e.name !== 'InvalidParams') return { code: e.code, message: e.message, data: e.when };
  return { code: e.code, message: e.message, data: { field: 'cpus', reason: 'must be at least 0.01', errors: [{ field: 'cpus', reason: 'must be at least 0.01' }] } };
}

/** The OpenRPC document, generated from the same schemas the server validates with; with the
 * host's capacity when it is known. */
export function createOpenRpcDocument(serverVersion: string, capacity?: HostCapacity): Record<string, unknown> {
  return {
    openrpc: '1.3.2',
    info: { title: 'Cloud Job Manager', version: serverVersion, description: `cjm JSON-RPC contract v${protocolVersion}` },
    methods: methodNames.map((name) => {
      const m = methods[name];
      const isPublic = 'public' in m && m.public === true;
      const { params, constraints } = paramsOf(name, capacity);
      const traits: MethodTraits = { name, public: isPublic, params: params.map((p) => p.name as string) };
      return {
        name,
        summary: m.summary,
        paramStructure: 'by-name',
        params,
        ...(constraints ? { 'x-params-constraints': constraints } : {}),
        result: { name: 'result', schema: schemaOf(m.result, 'output') },
        errors: (errorTable as readonly ErrorInfo[]).filter((e) => e.appliesTo?.(traits)).map(errorObject),
        ...(isPublic ? { 'x-public': true } : {}),
      };
    }),
    components: {
      errors: Object.fromEntries(errorTable.map((e) => [e.name, errorObject(e)])),
      schemas: {
        InvalidParamsData: { ...schemaOf(invalidParamsDataSchema, 'output'), description: 'The `data` of every -32602 (InvalidParams) error' },
      },
    },
    'x-notifications': Object.fromEntries(
      Object.entries(notifications).map(([name, s]) => [name, schemaOf(s, 'output')]),
    ),
  };
}
