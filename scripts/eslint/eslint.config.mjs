// ESLint for the hand-written browser scripts: the service worker, the code
// it shares with the page, and the page script. One dialect for all three:
// ES2020, plain scripts (no modules), no build step. The server puts the
// constants LANG, LANGS, FB, TEXTS (and, for the worker, VERSION, PRECACHE,
// SCRIPTS and SHELL_PAGES) and shared.js in front of sw.js and app.js: each
// file names what it takes from there in a /* global */ comment.
import js from "@eslint/js";
import globals from "globals";

export default [
  { basePath: "../.." },
  {
    files: ["sw/sw.js", "sw/shared.js", "static/app.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
    },
    rules: {
      ...js.configs.recommended.rules,
      "no-unused-vars": ["error", { caughtErrors: "none" }],
      "no-var": "error",
      "prefer-const": "error",
      eqeqeq: ["error", "always"],
      strict: ["error", "global"],
    },
  },
  {
    files: ["sw/sw.js"],
    languageOptions: { globals: globals.serviceworker },
  },
  {
    files: ["sw/shared.js"],
    languageOptions: { globals: { ...globals.browser, ...globals.serviceworker } },
  },
  {
    files: ["static/app.js"],
    languageOptions: { globals: globals.browser },
  },
  // quiz.js is loaded in pages (after app.js) and in node (the shared
  // grading cases). Its grading half is written for old engines, which
  // must still parse it to report FieldbookQuiz.supported = false, so it
  // keeps var and function-level "use strict".
  {
    files: ["static/quiz.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: { ...globals.browser, module: "readonly" },
    },
    rules: {
      ...js.configs.recommended.rules,
      "no-unused-vars": ["error", { caughtErrors: "none" }],
      eqeqeq: ["error", "always"],
      strict: ["error", "function"],
    },
  },
];
