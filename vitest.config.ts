import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // CI also keeps a JSON summary, from which .ci/run prints the plain "N passed, N failed" line.
    reporters: process.env["VITEST_JSON"] ? ["default", ["json", { outputFile: process.env["VITEST_JSON"] }]] : ["default"],
  },
});
