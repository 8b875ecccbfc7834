import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    globalSetup: ["test/setup/build.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Root-only integration tests (network namespaces) serialise themselves; the rest run in parallel.
    reporters: ["default"],
  },
});
