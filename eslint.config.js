// Lint also keeps the layers honest (see ../shared/STYLE.md): shared/ is pure,
// only main/electron/ imports Electron, only renderer/ touches the DOM.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import { builtinModules } from "node:module";

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const electronOnlyInShell = { name: "electron", message: "Only main/electron/ may import Electron; put logic in a plain Node module." };
const domGlobals = ["window", "document", "navigator", "localStorage", "sessionStorage", "location", "HTMLElement"].map((name) => ({
  name,
  message: "Only renderer/ touches the DOM.",
}));

export default tseslint.config(
  { ignores: ["dist/", "release/", "node_modules/", "test/artifacts/", "docs/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // The named `z` export drags all of zod (every locale) into the bundle; the namespace import tree-shakes.
      "no-restricted-syntax": ["error", { selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']", message: 'Import zod as a namespace: import * as z from "zod".' }],
      "no-restricted-imports": ["error", { paths: [electronOnlyInShell] }],
    },
  },
  {
    files: ["main/**", "shared/**", "test/**", "bench/**", "scripts/**", "bin/**"],
    languageOptions: { globals: { ...globals.node } },
    rules: { "no-restricted-globals": ["error", ...domGlobals] },
  },
  {
    files: ["main/electron/**", "test/electron/**"],
    rules: { "no-restricted-imports": "off" },
  },
  {
    files: ["shared/**"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [electronOnlyInShell, ...nodeBuiltins.map((name) => ({ name, message: "shared/ is pure: no Node APIs." }))],
        patterns: [{ group: ["**/main/**", "**/renderer/**", "react", "react-dom"], message: "shared/ depends on nothing but itself and pure libraries." }],
      }],
    },
  },
  {
    files: ["main/**"],
    ignores: ["main/electron/**"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [electronOnlyInShell],
        patterns: [{ group: ["**/renderer/**", "react", "react-dom"], message: "main/ never imports the UI." }],
      }],
    },
  },
  {
    files: ["renderer/**"],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "no-restricted-imports": ["error", {
        paths: [electronOnlyInShell, ...nodeBuiltins.map((name) => ({ name, message: "renderer/ runs in the browser; ask the daemon through the control API." }))],
        patterns: [{ group: ["**/main/**"], message: "renderer/ speaks only the control API (shared/api.ts)." }],
      }],
    },
  },
);
