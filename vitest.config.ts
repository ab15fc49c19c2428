import { defineConfig } from "vitest/config";

const critical = ["crypto", "core", "policy", "token", "audit"];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      exclude: ["src/**/*.test.ts", "src/**/*.contract.ts", "src/bin/**"],
      reporter: ["text-summary", "text"],
      thresholds: Object.fromEntries(critical.map((dir) => [`src/${dir}/**`, { lines: 85, branches: 85 }])),
    },
    projects: [
      { extends: true, test: { name: "unit", include: ["src/**/*.test.ts"] } },
      { extends: true, test: { name: "integration", include: ["test/**/*.test.ts"] } },
    ],
  },
});
