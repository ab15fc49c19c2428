// Lint gates (issue #11): type-checked rules for everything we ship; no console in src/ outside the
// CLI's output layer, so every log line goes through pino and its redaction.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "coverage/", "node_modules/", "**/*.js", "**/*.cjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "error",
    },
  },
  {
    // The CLI's output layer and the composition root's launcher are the only places that print.
    files: ["src/cli/output.ts", "src/bin/**/*.ts", "bench/**/*.ts", "test/**/*.ts", "src/**/*.test.ts"],
    rules: { "no-console": "off" },
  },
  {
    // Tests may poke at untyped JSON from real clients; production code may not.
    files: ["test/**/*.ts", "src/**/*.test.ts", "src/**/*.contract.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      // Tests read JSON from real third-party clients; `any` stays banned in src/.
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
);
