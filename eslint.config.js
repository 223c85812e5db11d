// `make lint` and `make test` run eslint on our own scripts (classic scripts loaded with
// `defer`, no modules). templates/pwa/sw.js is a Jinja template (`{{ ... }}`): not linted.
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  { ignores: ["node_modules/", "static/vendor/", "build/", "var/", ".venv/", "templates/"] },
  {
    files: ["static/js/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: {
        ...globals.browser,
        htmx: "readonly", // static/vendor/htmx.min.js
        L: "readonly", // static/vendor/leaflet/leaflet.js
        idbKeyval: "readonly", // static/vendor/idb-keyval.js
      },
    },
    rules: {
      ...js.configs.recommended.rules,
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { caughtErrors: "none" }],
    },
  },
  {
    files: ["static/js/offline.js"],
    languageOptions: { globals: { MileQuestQueue: "readonly" } }, // static/js/offline-queue.js
  },
  {
    files: ["tests/oidc/*.mjs"], // the tests' OpenID provider (node, an ES module)
    ...js.configs.recommended,
    languageOptions: { sourceType: "module", globals: globals.node },
  },
  {
    files: ["eslint.config.js"],
    ...js.configs.recommended,
    languageOptions: { sourceType: "commonjs", globals: globals.node },
  },
];
