#!/usr/bin/env node
// Validates JSON documents against the published schemas of the formats fleetpatch writes:
//   node validate.mjs sarif-2.1.0 FILE...
//   node validate.mjs cyclonedx-1.5 FILE...
// Exits 0 when every file is valid, 1 when one is not (errors on stderr), 2 on usage errors.
// The schemas come from npm packages pinned in package-lock.json (see README.md), so the check
// needs no network at test time.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);

function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`));
}

function loadJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

// Each format: how to build a validator for it.
const formats = {
  // OASIS SARIF 2.1.0 (JSON Schema draft-04), as shipped by @microsoft/jest-sarif.
  'sarif-2.1.0': async () => {
    const schema = loadJson(
        join(packageDir('@microsoft/jest-sarif'), 'lib/schemas/sarif-2.1.0-rtm.5.json'));
    // unicodeRegExp off: the schema's language pattern "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$"
    // is valid only as a non-unicode regular expression (as draft-04 validators read it).
    const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    return async (text) => validate(JSON.parse(text)) ? [] : validate.errors;
  },
  // CycloneDX 1.5 through the CycloneDX project's own validator (@cyclonedx/cyclonedx-library):
  // its bundled bom-1.5 schema with the SPDX license list and JSF schemas it refers to, compiled
  // by ajv with remote schema loading disabled.
  'cyclonedx-1.5': async () => {
    const { Validation, Spec } = require('@cyclonedx/cyclonedx-library');
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot5);
    return async (text) => {
      const errors = await validator.validate(text);
      return errors === null ? [] : errors;
    };
  },
};

const [format, ...files] = process.argv.slice(2);
if (!formats[format] || files.length === 0) {
  console.error(`usage: validate.mjs ${Object.keys(formats).join('|')} FILE...`);
  process.exit(2);
}
const validate = await formats[format]();
let failed = 0;
for (const file of files) {
  let errors;
  try {
    const text = readFileSync(file, 'utf8');
    JSON.parse(text);
    errors = await validate(text);
  } catch (e) {
    errors = [{ instancePath: '', message: `not valid JSON: ${e.message}` }];
  }
  if (errors.length === 0) {
    console.log(`${file}: valid ${format}`);
    continue;
  }
  ++failed;
  for (const error of errors.slice(0, 50)) {
    console.error(`${file}: ${error.instancePath || '/'} ${error.message}${
        error.params ? ' ' + JSON.stringify(error.params) : ''}`);
  }
}
process.exit(failed ? 1 : 0);
