import { z } from 'zod';
import { errorTable } from './errors.js';
import { methods, notifications, methodNames } from './methods.js';

export const protocolVersion = '1.0.0';

const schemaOf = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any' });

/** The OpenRPC document, generated from the same schemas the server validates with. */
export function createOpenRpcDocument(serverVersion: string): Record<string, unknown> {
  return {
    openrpc: '1.3.2',
    info: { title: 'Cloud Job Manager', version: serverVersion, description: `cjm JSON-RPC contract v${protocolVersion}` },
    methods: methodNames.map((name) => {
      const m = methods[name];
      return {
        name,
        summary: m.summary,
        paramStructure: 'by-name',
        params: [{ name: 'params', required: false, schema: schemaOf(m.params, 'input') }],
        result: { name: 'result', schema: schemaOf(m.result, 'output') },
        ...('public' in m && m.public ? { 'x-public': true } : {}),
      };
    }),
    components: {
      errors: Object.fromEntries(errorTable.map((e) => [e.name, { code: e.code, message: e.message, data: e.when }])),
    },
    'x-notifications': Object.fromEntries(
      Object.entries(notifications).map(([name, s]) => [name, schemaOf(s, 'output')]),
    ),
  };
}
