import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
// express-openapi-validator's own JSON-schema engine, so these checks agree with VALIDATE_RESPONSES.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { OPENAPI_PATH } from '../../src/app.js';

/**
 * Checks a body against a schema of openapi.yaml's `components.schemas`, for what the response
 * validator cannot see: streamed CSV-upload answers and the webhook payloads payval sends.
 */
export async function loadOpenApiSchemas(): Promise<(name: string, body: unknown) => void> {
  const spec = parseYaml(await readFile(OPENAPI_PATH, 'utf8')) as { components: unknown };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT/.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addFormat('binary', true);
  ajv.addSchema({ $id: 'payval-openapi', components: spec.components });
  return (name, body) => {
    const validate = ajv.getSchema(`payval-openapi#/components/schemas/${name}`);
    assert.ok(validate, `no schema ${name}`);
    assert.ok(validate(body), `body does not match ${name}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(body)}`);
  };
}
