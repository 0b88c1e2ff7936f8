import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Deadlines are generous: tests wait for events, and CI machines are shared 2-core boxes.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
